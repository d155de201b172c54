"""Assemble a whole batch of prompts from token blocks, without a loop over prompts.

Each piece of a template becomes a ``Block``: a [B, W] run of candidate positions with a
validity mask (a missing neighbour, a short title, the separator after the last neighbour are
invalid). Blocks are concatenated left to right and every row is packed to the left, so the
result is right padded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SLOT_TEXT, SLOT_USER, SLOT_ITEM, SLOT_USER_GROUP, SLOT_ITEM_GROUP = 0, 1, 2, 3, 4


@dataclass
class Block:
    ids: np.ndarray  # [B, W] token ids (placeholders hold the pad id)
    kind: np.ndarray  # [B, W] SLOT_* values
    ref: np.ndarray  # [B, W] node id or group row
    valid: np.ndarray  # [B, W] bool


def text_block(tokens: np.ndarray, batch: int) -> Block:
    """The same token ids in every row."""
    ids = np.broadcast_to(tokens, (batch, len(tokens)))  # [B, W]
    zeros = np.zeros_like(ids)
    return Block(ids, zeros, zeros, np.ones(ids.shape, dtype=bool))


def slot_block(kind: int, refs: np.ndarray, pad_id: int) -> Block:
    """One placeholder per row (the own user, or a compact group token). refs: [B]"""
    refs = refs.reshape(-1, 1)  # [B, 1]
    return Block(np.full_like(refs, pad_id), np.full_like(refs, kind), refs, np.ones(refs.shape, dtype=bool))


def node_list_block(
    nodes: np.ndarray,
    kind: int,
    pad_id: int,
    separator: np.ndarray,
    with_ids: bool,
    title_ids: np.ndarray | None = None,
    title_lengths: np.ndarray | None = None,
) -> Block:
    """Per row, every non-zero entry of ``nodes`` as ``[placeholder][title][separator]``. nodes: [B, k]

    Zeros (absent neighbours) may sit anywhere in a row; they take no position. The separator
    follows every present entry but the row's last one. Without ids only the titles remain.
    """
    b, k = nodes.shape
    has_title = title_ids is not None and title_lengths is not None and title_ids.shape[1] > 0
    if not (with_ids or has_title):
        return Block(*(np.zeros((b, 0), dtype=t) for t in (np.int64, np.int64, np.int64, bool)))
    present = nodes != 0  # [B, k]
    if not with_ids:  # an untitled item has no text at all: drop it, separator included
        present &= title_lengths[nodes] > 0
    later = np.cumsum(present[:, ::-1], axis=1)[:, ::-1] - present  # [B, k] present entries after
    cols_ids, cols_kind, cols_ref, cols_valid = [], [], [], []

    def add(ids: np.ndarray, kinds: int, refs: np.ndarray | int, valid: np.ndarray) -> None:
        cols_ids.append(ids)  # each [B, k, w]
        cols_kind.append(np.full(ids.shape, kinds, dtype=np.int64))
        cols_ref.append(np.broadcast_to(refs, ids.shape))
        cols_valid.append(valid)

    if with_ids:
        add(np.full((b, k, 1), pad_id, dtype=np.int64), kind, nodes[:, :, None], present[:, :, None])
    if has_title:
        width = title_ids.shape[1]
        titles = title_ids[nodes]  # [B, k, width]
        inside = np.arange(width) < title_lengths[nodes][:, :, None]  # [B, k, width]
        add(titles, SLOT_TEXT, 0, inside & present[:, :, None])
    if len(separator):
        sep = np.broadcast_to(separator, (b, k, len(separator)))  # [B, k, S]
        add(sep, SLOT_TEXT, 0, np.broadcast_to((present & (later > 0))[:, :, None], sep.shape))
    columns = (cols_ids, cols_kind, cols_ref, cols_valid)
    flat = [np.concatenate(cols, axis=2).reshape(b, -1) for cols in columns]
    return Block(*flat)  # each [B, k * w]


def pack(blocks: list[Block], pad_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate blocks and move each row's valid positions to the left, order kept.

    Returns input_ids, attention_mask, slot_kind, slot_ref, each [B, T] with T the longest row.
    """
    valid = np.concatenate([bl.valid for bl in blocks], axis=1)  # [B, W]
    order = np.argsort(~valid, axis=1, kind="stable")  # [B, W] valid positions first, in order
    lengths = valid.sum(axis=1)  # [B]
    t = int(lengths.max()) if len(lengths) else 0
    order = order[:, :t]  # [B, T]
    mask = np.arange(t)[None, :] < lengths[:, None]  # [B, T]

    def gather(field: str, fill: int) -> np.ndarray:
        wide = np.concatenate([getattr(bl, field) for bl in blocks], axis=1)  # [B, W]
        return np.where(mask, np.take_along_axis(wide, order, axis=1), fill)  # [B, T]

    return gather("ids", pad_id), mask.astype(np.int64), gather("kind", SLOT_TEXT), gather("ref", 0)
