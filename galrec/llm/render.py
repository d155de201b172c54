"""A prompt as readable text, with dataset ids in its placeholders (for ``galrec prompt show``)."""

from __future__ import annotations

from transformers import PreTrainedTokenizerBase

from galrec.data.dataset import Interactions
from galrec.llm.prompts import SLOT_ITEM, SLOT_ITEM_GROUP, SLOT_TEXT, SLOT_USER, SLOT_USER_GROUP, PromptBatch

TITLE_CHARS = 40  # a title shown inside a placeholder is cut here; the prompt is about ids


def render_prompt(
    batch: PromptBatch,
    row: int,
    tokenizer: PreTrainedTokenizerBase,
    data: Interactions,
    own_user: int = 0,
    annotate_titles: bool = True,
) -> str:
    """Row ``row`` of ``batch``: text decoded, placeholders as ``<user:ID>``, ``<item:ID "title">``.

    ``own_user`` (internal id) names the ``<user>`` slot whose ref is 0. With
    ``annotate_titles`` an item placeholder quotes its title for the reader; turn it off when
    the prompt itself carries titles after the placeholders.
    """
    n = int(batch.n_tokens[row])
    ids = batch.input_ids[row, :n].tolist()
    kinds = batch.slot_kind[row, :n].tolist()
    refs = batch.slot_ref[row, :n].tolist()
    out: list[str] = []
    text: list[int] = []
    for tok, kind, ref in zip(ids, kinds, refs):
        if kind == SLOT_TEXT:
            text.append(tok)
            continue
        _flush(out, text, tokenizer)
        text = []
        if out and not out[-1][-1:].isspace():
            out.append(" ")
        out.append(_placeholder(kind, ref, batch, data, own_user, annotate_titles))
    _flush(out, text, tokenizer)
    return "".join(out)


def _flush(out: list[str], text: list[int], tokenizer: PreTrainedTokenizerBase) -> None:
    """Decode a run of text tokens; keep a word apart from a placeholder before it."""
    if not text:
        return
    decoded = tokenizer.decode(text)
    if out and out[-1].endswith(">") and decoded[:1].isalnum():  # WordPiece drops the space
        decoded = " " + decoded
    out.append(decoded)


def _placeholder(
    kind: int, ref: int, batch: PromptBatch, data: Interactions, own_user: int, titles: bool
) -> str:
    if kind == SLOT_USER:
        return f"<user:{data.users.to_raw([ref or own_user])[0]}>"
    if kind == SLOT_ITEM:
        title = data.titles[ref].strip()
        if titles and title:
            cut = title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"
            return f'<item:{data.items.to_raw([ref])[0]} "{cut}">'
        return f"<item:{data.items.to_raw([ref])[0]}>"
    members = [m for m in batch.groups[ref].tolist() if m]
    if kind == SLOT_USER_GROUP:
        return f"<users:{','.join(data.users.to_raw(members))}>"
    if kind == SLOT_ITEM_GROUP:
        return f"<items:{','.join(data.items.to_raw(members))}>"
    raise ValueError(f"unknown slot kind {kind}")
