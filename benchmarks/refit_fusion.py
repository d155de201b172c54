"""Refit a finished run's fusion with SASRec on every validation user, into ``RUN/fused_all/``.

    python benchmarks/refit_fusion.py RUN [RUN ...]

What ``external.fusion_users: all`` does at the end of training, for runs trained before it (or
with the per-epoch validation subset): the run's best state is loaded, its test scores ranked
once, the weight fitted on all validation users and the fused test ranking written beside
``RUN/fused/`` so the two can be compared.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from galrec.training.evaluation import evaluate_split, make_score_fn
from galrec.training.fusion import ScoreMemo, write_fusion
from galrec.training.run import load_run


def main() -> int:
    for run in map(Path, sys.argv[1:]):
        parts = load_run(run)
        lm = ScoreMemo(make_score_fn(parts, parts.model, "test"))
        evaluate_split(parts, parts.model, "test", "cpu", score=lm)  # fills the memo
        payload = write_fusion(run, parts, parts.model, lm, None, "cpu", folder="fused_all")
        print(run, json.dumps({k: payload[k] for k in ("partner_weight", "valid_users", "test")}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
