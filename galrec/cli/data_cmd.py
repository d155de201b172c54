"""``galrec data stats|fetch``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from galrec.data.fetch import BASE_URL_ENV, SOURCES, fetch
from galrec.data.load import load_dataset


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="inspect and fetch datasets")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    stats = dsub.add_parser("stats", help="print user/item/interaction counts as JSON")
    stats.add_argument("dataset", help="dataset name (under $GALREC_DATA_DIR or fetched) or path")
    stats.set_defaults(func=cmd_stats)

    get = dsub.add_parser("fetch", help="download a public S3-Rec interactions file, sha256-checked")
    get.add_argument("name", choices=sorted(SOURCES))
    get.add_argument(
        "--dest", type=Path, default=None,
        help="dataset folder to write interactions.txt into (default: the user cache, where "
        "`--dataset NAME` finds it)",
    )
    get.add_argument("--url", default=None, help=f"base URL to download from (default: ${BASE_URL_ENV} or GitHub)")
    get.set_defaults(func=cmd_fetch)


def cmd_stats(args: argparse.Namespace) -> int:
    print(json.dumps(load_dataset(args.dataset).stats()))
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    print(fetch(args.name, args.dest, args.url))
    return 0
