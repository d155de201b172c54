"""The rows of a benchmark table, as data: each is a set of ``key=value`` overrides or a baseline.

Every language-model row is the bench's GAL-Rec config plus its overrides, so rows differ only
where their definitions say. Two rows that resolve to the same config are one run (for
instance ``listed`` and ``galrec`` when the config lists neighbours).

The text-only row keeps the catalogue head of the config: with ``external.tie_head`` true it
scores against the mapped external item embeddings, so only its *input* is text-only.

Some ablations exist in one training mode only (``Row.mode``): how a prompt carries neighbours
(``listed``, ``compact``) is the prefix mode's, how a sequence carries item audiences (``token``)
is the sequence mode's. Without ``--rows`` a bench runs the rows of its config's mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from galrec.errors import GalrecError

# no graph in either mode: prompts without neighbours, sequences without item audiences
NO_NEIGHBOURS = ("prompt.neighbours=none", "prompt.sequence_neighbours=none")
NO_LOSSES = ("loss.l1=0", "loss.l2=0", "loss.l3=0")
NO_GRAPH = (*NO_LOSSES, *NO_NEIGHBOURS)


@dataclass(frozen=True)
class Row:
    label: str
    overrides: tuple[str, ...] = ()  # key=value on the bench's GalRecConfig
    baseline: str = ""  # a galrec.baselines model, trained by `galrec baseline` instead
    mode: str = ""  # "prefix" or "sequence": the train.mode the row means something in ("": both)


FUSED_SUFFIX = "+fused"  # a language-model row's fusion with a baseline (RUN/fused/), listed after it

ROWS: dict[str, Row] = {
    "pop": Row("Pop (most popular)", baseline="pop"),
    "lightgcn": Row("LightGCN", baseline="lightgcn"),
    "sasrec": Row("SASRec", baseline="sasrec"),
    "bsarec": Row("BSARec", baseline="bsarec"),
    "text": Row("Text content (MiniLM titles, no training)", baseline="text"),
    "text-only": Row(
        "LM on titles (no IDs, no graph)", (*NO_GRAPH, "prompt.ids=false", "prompt.titles=true", "train.mode=prefix")
    ),
    "e4srec": Row("E4SRec-style (IDs, no graph)", NO_GRAPH),
    "galrec": Row("GAL-Rec"),
    "no-l1": Row("GAL-Rec without L1 (user-user)", ("loss.l1=0",)),
    "no-l2": Row("GAL-Rec without L2 (user-item)", ("loss.l2=0",)),
    "no-l3": Row("GAL-Rec without L3 (community-audience)", ("loss.l3=0",)),
    "no-queue": Row("GAL-Rec without the queue (in-batch negatives)", ("queue.size=0",)),
    "no-losses": Row("GAL-Rec without L1-L3 (neighbourhood inputs only)", NO_LOSSES),
    "losses": Row("GAL-Rec with L1-L3 at 0.1", ("loss.l1=0.1", "loss.l2=0.1", "loss.l3=0.1")),
    "no-prompt-neighbours": Row("GAL-Rec without neighbours in the prompt", NO_NEIGHBOURS),
    "listed": Row("GAL-Rec, listed neighbour tokens", ("prompt.neighbours=listed",), mode="prefix"),
    "compact": Row("GAL-Rec, compact neighbourhood tokens", ("prompt.neighbours=compact",), mode="prefix"),
    "token": Row("GAL-Rec, each item's audience its own token", ("prompt.sequence_neighbours=token",), mode="sequence"),
    "sum": Row("GAL-Rec, each item's sampled audience summed into its token", ("prompt.sequence_neighbours=sum",),
               mode="sequence"),
    "table": Row("GAL-Rec, each item's audience folded into its vector", ("prompt.sequence_neighbours=table",),
                 mode="sequence"),
}
ABLATIONS = ("no-l1", "no-l2", "no-l3", "no-queue", "no-losses", "losses", "no-prompt-neighbours", "listed", "compact", "token",
             "sum", "table")
ANALYSIS_ROWS = ("text-only", "e4srec", "galrec")  # the probe, geometry and maps compare these
SWEEP_BASE = "galrec"
BASELINES = ("sasrec", "bsarec", "lightgcn")  # what a fused row is compared with


def select_rows(spec: str | None, mode: str = "") -> list[str]:
    """``"pop,galrec"`` -> ["pop", "galrec"]; None -> every row of ``mode`` (all if ""), in table order."""
    if spec is None:
        return [n for n, row in ROWS.items() if not (mode and row.mode and row.mode != mode)]
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in ROWS]
    if unknown or not names:
        raise GalrecError(f"unknown row {unknown[0] if unknown else spec!r}; rows: {', '.join(ROWS)}")
    return list(dict.fromkeys(names))


def parse_sweep(spec: str) -> tuple[str, list[str]]:
    """``"loss.l1=0,0.05,0.1"`` -> ("loss.l1", ["0", "0.05", "0.1"])."""
    key, _, values = spec.partition("=")
    vals = [v.strip() for v in values.split(",") if v.strip()]
    if not key.strip() or not vals:
        raise GalrecError(f"--sweep {spec!r} is not of the form key=value,value,...")
    return key.strip(), vals


def sweep_row(key: str, value: str) -> tuple[str, Row]:
    """The row of one swept value: GAL-Rec with ``key=value``."""
    return f"sweep_{key}={value}", Row(f"GAL-Rec, {key}={value}", (f"{key}={value}",))
