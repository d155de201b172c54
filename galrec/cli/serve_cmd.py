"""``galrec recommend``, ``galrec serve`` and ``galrec report``: put a finished run to use."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from galrec.api import PRECISIONS, RETRIEVALS, load
from galrec.errors import GalrecError

if TYPE_CHECKING:
    from galrec.serve.recommend import Recommendation


def add_parser(sub: argparse._SubParsersAction) -> None:
    rec = sub.add_parser("recommend", help="print the top-K items for a history or a known user")
    rec.add_argument("run_dir", type=Path, help="a finished run folder (config.yaml, weights, id maps)")
    who = rec.add_mutually_exclusive_group(required=True)
    who.add_argument("--history", help='dataset item ids, oldest first: "12,7,3" ("" for popularity)')
    who.add_argument("--user", help="a dataset user id: their whole known sequence is the history")
    rec.add_argument("--k", type=int, default=10, help="items to return (default 10)")
    rec.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_scoring_options(rec)
    rec.set_defaults(func=cmd_recommend)

    srv = sub.add_parser("serve", help="serve a run over HTTP (FastAPI + uvicorn; docs at /docs)")
    srv.add_argument("run_dir", type=Path)
    srv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8000)
    add_scoring_options(srv)
    srv.set_defaults(func=cmd_serve)

    rep = sub.add_parser("report", help="write a self-contained HTML report of a run")
    rep.add_argument("run_dir", type=Path)
    rep.add_argument("--out", type=Path, help="HTML file to write (default RUN_DIR/report.html)")
    rep.add_argument(
        "--compare",
        type=Path,
        nargs="+",
        default=[],
        metavar="RUN_DIR",
        help="other runs (e.g. baselines) whose metrics go beside this one's",
    )
    rep.set_defaults(func=cmd_report)


def add_scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--precision", choices=PRECISIONS, default="float32",
        help="bfloat16: the model's matrix products in bfloat16 (GAL-Rec about 2x faster on CPUs with "
        "AVX512-BF16; top 10 99%% the same as float32)",
    )
    p.add_argument(
        "--retrieval", choices=RETRIEVALS, default="auto",
        help="exact: score every item; ann: an approximate faiss index over the item vectors (history "
        "still excluded exactly; SASRec-like models); auto (default): ann from 100,000 items on",
    )


def parse_id_list(text: str) -> list[str]:
    """``"12, 7,,3"`` -> ``["12", "7", "3"]`` (empty pieces are ignored)."""
    return [piece.strip() for piece in text.split(",") if piece.strip()]


def format_table(rec: Recommendation, width: int) -> str:
    if rec.source == "popularity-fallback":
        head = "popularity fallback (empty history): the most frequent training items, score = count"
    else:
        head = f"{rec.model}: top {len(rec.items)}, history items excluded"
    id_w = max([len("item_id"), *(len(i.item_id) for i in rec.items)])
    title_w = max(10, width - (4 + 2 + id_w + 2 + 10 + 2))
    integral = all(float(i.score).is_integer() for i in rec.items)  # counts, popularity positions
    fmt = ".0f" if integral else ".4f"
    lines = [head, f"{'#':>4}  {'item_id':<{id_w}}  {'score':>10}  title"]
    for j, it in enumerate(rec.items, 1):
        title = it.title or "(no title)"
        title = title if len(title) <= title_w else title[: title_w - 1] + "…"
        lines.append(f"{j:>4}  {it.item_id:<{id_w}}  {it.score:>10{fmt}}  {title}")
    return "\n".join(lines)


def cmd_recommend(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise GalrecError(f"--k must be >= 1, got {args.k}")
    recommender = load(args.run_dir, args.retrieval, args.precision)
    if args.user is not None:
        rec = recommender.recommendation_for_user(args.user, args.k)
    else:
        rec = recommender.recommendation(parse_id_list(args.history), args.k)
    if args.json:
        print(json.dumps(rec.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_table(rec, shutil.get_terminal_size((100, 24)).columns))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # The web stack and matplotlib are imported by the commands that use them, so that every
    # other `galrec` command starts without them.
    import uvicorn

    from galrec.serve.app import create_app

    run = load(args.run_dir, args.retrieval, args.precision).run
    print(
        f"galrec: serving {run.model_name} from {run.run_dir} on http://{args.host}:{args.port} (docs: /docs)",
        flush=True,
    )
    uvicorn.run(create_app(run), host=args.host, port=args.port)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from galrec.serve.report import write_report

    print(write_report(args.run_dir, args.out, args.compare))
    return 0
