"""``galrec baseline {pop,sasrec,bsarec,lightgcn} --dataset D --out RUN_DIR [--config YAML] [key=value ...]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from galrec.baselines.configs import resolve_config
from galrec.baselines.registry import REGISTRY
from galrec.baselines.run import run_baseline
from galrec.eval.results import format_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("baseline", help="train and evaluate a conventional baseline")
    models = p.add_subparsers(dest="model", required=True, metavar="MODEL")
    # One sub-parser per model, so that key=value overrides may follow the options.
    for name in REGISTRY:
        m = models.add_parser(name, help=f"train and evaluate {name}")
        m.add_argument("--dataset", help="dataset name (under $GALREC_DATA_DIR) or path; sets data.dataset")
        m.add_argument("--out", required=True, type=Path, help="run folder to write")
        m.add_argument("--config", help="YAML file merged onto the model's defaults")
        m.add_argument("--quiet", action="store_true", help="no progress bars")
        m.add_argument("overrides", nargs="*", metavar="key=value", help="e.g. optim.lr=2e-3 sasrec.dropout=0.3")
        m.set_defaults(func=cmd_baseline)


def cmd_baseline(args: argparse.Namespace) -> int:
    extra = {"data": {"dataset": args.dataset}} if args.dataset else {}
    cfg = resolve_config(REGISTRY[args.model].config_cls, args.config, args.overrides, extra)
    result = run_baseline(cfg, args.out, progress=not args.quiet)
    name = f"{args.model} ({cfg.data.dataset}, {result['protocol']})"
    print(format_table({f"{name} valid": result["valid"], f"{name} test": result["test"]}))
    t = result["timing"]
    print(f"wall {t['wall_seconds']}s, {t['epochs']} epochs ({t['seconds_per_epoch']} s/epoch, best {t['best_epoch']}, "
          f"{t['stopped']}), peak {t['peak_rss_mb']} MB; run folder {args.out}")
    return 0
