"""The ``galrec`` command: parse the arguments, then call one function per subcommand.

Each command group lives in its own module with ``add_parser(subparsers)``; the modules are
listed explicitly in ``COMMANDS`` (no lookup by name).
"""

from __future__ import annotations

import argparse
import os
import sys

from galrec.cli import (
    baseline_cmd,
    bench_cmd,
    data_cmd,
    probe_cmd,
    prompt_cmd,
    run_cmd,
    serve_cmd,
    train_cmd,
)
from galrec.errors import EXIT_USER_ERROR, GalrecError
from galrec.runtime import tune_allocator

COMMANDS = [run_cmd, data_cmd, baseline_cmd, train_cmd, prompt_cmd, serve_cmd, bench_cmd, probe_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="galrec",
        description="GAL-Rec: an LLM-driven sequential recommender that imitates graph neural networks.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    tune_allocator()  # before the first large tensor: see galrec/runtime.py
    if getattr(args, "quiet", False):  # also the bars of Hugging Face's loaders, GGUF's included
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # read when transformers is imported
        os.environ.setdefault("TQDM_DISABLE", "1")  # the default of every tqdm bar (tqdm >= 4.66)
    try:
        result = args.func(args)
    except GalrecError as exc:
        print(f"galrec: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("galrec: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
