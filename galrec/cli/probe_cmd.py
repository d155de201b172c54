"""``galrec probe RUN_DIR``: the text-twin probe (and, on request, geometry and an item map) of GAL-Rec runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from galrec.experiments.probe import MAX_PAIRS, TWIN_THRESHOLD


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "probe",
        help="AUC of telling text twins with overlapping audiences from disjoint ones, per representation",
        description="Compares item titles through MiniLM, the external SASRec item embeddings and the "
        "item representations of RUN_DIR (and of every --with run); writes probe.json into RUN_DIR.",
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a finished GAL-Rec run (galrec train)")
    p.add_argument("--with", dest="others", type=Path, action="append", default=[], metavar="RUN_DIR",
                   help="another run of the same dataset to compare (repeatable), e.g. the E4SRec-style one")
    p.add_argument("--threshold", type=float, default=TWIN_THRESHOLD,
                   help=f"title cosine (TF-IDF character 3-5-grams) of a text twin (default {TWIN_THRESHOLD})")
    p.add_argument("--max-pairs", type=int, default=MAX_PAIRS, help="pairs of each kind kept (seeded sample)")
    p.add_argument("--geometry", action="store_true",
                   help="also alignment/uniformity by hop (geometry.json) and a t-SNE item map (item-map.png)")
    p.add_argument("--out", type=Path, help="folder for the files (default: RUN_DIR)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_probe)


def cmd_probe(args: argparse.Namespace) -> int:
    from galrec.errors import GalrecError
    from galrec.experiments.analysis import analyse

    if not 0.0 < args.threshold <= 1.0:
        raise GalrecError(f"--threshold must be in (0, 1], got {args.threshold}")
    if args.max_pairs < 1:
        raise GalrecError(f"--max-pairs must be >= 1, got {args.max_pairs}")
    runs = {}
    for run in [args.run_dir, *args.others]:
        name = run.resolve().name
        if name in runs:
            raise GalrecError(f"two runs are named {name!r}; give folders with different names")
        runs[name] = run
    written = analyse(runs, args.out or args.run_dir, threshold=args.threshold, max_pairs=args.max_pairs,
                      with_geometry=args.geometry, seed=args.seed)
    print("wrote " + ", ".join(str(p) for p in written.values()))
    return 0
