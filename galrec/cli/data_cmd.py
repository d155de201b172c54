"""``galrec data stats|fetch``."""

from __future__ import annotations

import argparse
import json

from galrec.data.load import load_dataset


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="inspect and fetch datasets")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    stats = dsub.add_parser("stats", help="print user/item/interaction counts as JSON")
    stats.add_argument("dataset", help="dataset name (under $GALREC_DATA_DIR) or path")
    stats.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    print(json.dumps(load_dataset(args.dataset).stats()))
    return 0
