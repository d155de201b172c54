"""``galrec baseline MODEL --dataset D --out RUN_DIR [--config YAML] [key=value ...]``.

The baselines' registry imports their models, and with them torch; so that every other command
starts without it, ``galrec baseline`` takes the model name and the rest of the line as they
are, and only when it runs builds the chosen model's own parser (``galrec baseline sasrec -h``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from galrec.errors import GalrecError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "baseline",
        help="train and evaluate a conventional baseline",
        description="Train and evaluate a baseline; `galrec baseline MODEL -h` lists its options.",
    )
    p.add_argument("model", metavar="MODEL", help="a name in galrec/baselines/registry.py (pop, sasrec, bsarec, lightgcn, text, ...)")
    p.add_argument("rest", nargs=argparse.REMAINDER, metavar="...", help="the model's options and key=value overrides")
    p.set_defaults(func=cmd_baseline)


def model_parser(name: str) -> argparse.ArgumentParser:
    m = argparse.ArgumentParser(prog=f"galrec baseline {name}", description=f"train and evaluate {name}")
    m.add_argument("--dataset", help="dataset name (under $GALREC_DATA_DIR) or path; sets data.dataset")
    m.add_argument("--out", required=True, type=Path, help="run folder to write")
    m.add_argument("--config", help="YAML file merged onto the model's defaults")
    m.add_argument("--quiet", action="store_true", help="no progress bars")
    m.add_argument("overrides", nargs="*", metavar="key=value", help="e.g. optim.lr=2e-3 sasrec.dropout=0.3")
    return m


def cmd_baseline(args: argparse.Namespace) -> int:
    from galrec.api import baseline_config
    from galrec.baselines.registry import REGISTRY
    from galrec.baselines.run import run_baseline
    from galrec.eval.results import format_table

    if args.model not in REGISTRY:
        raise GalrecError(f"unknown baseline {args.model!r}; known: {', '.join(REGISTRY)}")
    opts = model_parser(args.model).parse_args(args.rest)
    cfg = baseline_config(args.model, opts.dataset, opts.config, opts.overrides)
    result = run_baseline(cfg, opts.out, progress=not opts.quiet)
    name = f"{args.model} ({cfg.data.dataset}, {result['protocol']})"
    print(format_table({f"{name} valid": result["valid"], f"{name} test": result["test"]}))
    t = result["timing"]
    print(f"wall {t['wall_seconds']}s, {t['epochs']} epochs ({t['seconds_per_epoch']} s/epoch, best {t['best_epoch']}, "
          f"{t['stopped']}), peak {t['peak_rss_mb']} MB; run folder {opts.out}")
    return 0
