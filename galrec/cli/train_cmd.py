"""``galrec train`` and ``galrec evaluate``: GAL-Rec runs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from galrec.api import default_run_dir, galrec_config
from galrec.errors import GalrecError


def add_parser(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train GAL-Rec, then evaluate its best weights on the test split")
    t.add_argument("--config", help="YAML file, e.g. configs/beauty-cpu.yaml")
    t.add_argument("--out", type=Path, help="run folder to write (default: runs/galrec-<dataset>-<time>)")
    t.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue RUN_DIR from its last checkpoint")
    t.add_argument("--quiet", action="store_true", help="no progress bars")
    t.add_argument("overrides", nargs="*", metavar="key=value", help="e.g. loss.l1=0 train.max_epochs=2")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="re-evaluate a GAL-Rec run; rewrites metrics.json and ranks.tsv")
    e.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    e.add_argument("--split", choices=["valid", "test"], help="only this split (default: both, all users)")
    e.add_argument("--protocol", choices=["full", "sampled-100"], help="default: the run's eval.protocol")
    e.add_argument("--quiet", action="store_true", help="no progress bars")
    e.set_defaults(func=cmd_evaluate)


def cmd_train(args: argparse.Namespace) -> int:
    if args.resume:
        if args.config or args.overrides or (args.out and args.out != args.resume):
            raise GalrecError(
                "--resume continues a run with its own config and folder; drop --config, --out and key=value"
            )
        cfg, run = None, args.resume
    else:
        cfg = galrec_config(args.config, args.overrides)
        run = args.out or default_run_dir(cfg)
    # after the config is checked, so that a refusal is instant: torch and transformers take seconds
    from galrec.training.run import train_galrec

    result = train_galrec(cfg, run, resume=bool(args.resume), progress=not args.quiet)
    if result:
        _print(result, run)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from galrec.training.run import evaluate_galrec

    result = evaluate_galrec(args.run_dir, args.split, args.protocol, progress=not args.quiet)
    _print(result, args.run_dir)
    return 0


def _print(result: dict, run: Path) -> None:
    from galrec.eval.results import format_table

    name = f"galrec ({result['protocol']})"
    print(format_table({f"{name} valid": result["valid"], f"{name} test": result["test"]}))
    if "timing" in result:
        t = result["timing"]
        print(
            f"wall {t['wall_seconds']}s, {t['samples_per_s']} samples/s, {t.get('targets_per_s')} targets/s, "
            f"{t['tokens_per_user_prompt']} tokens per user prompt, {t['epochs']} epochs ({t['stopped']}), "
            f"peak {t['peak_rss_mb']} MB; run folder {run}"
        )
    else:
        print(json.dumps({"run": str(run), "users_evaluated": result["users_evaluated"]}))
