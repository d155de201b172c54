"""``galrec run``: the main job behind ``make run``.

GAL-Rec on Beauty with the 2-core CPU config: the cached baseline runs it reads (LightGCN's item
table) and is fused with (SASRec), trained on first use; GAL-Rec's training; its full-ranking
test evaluation; and a table beside those baselines, each row paired against the fused-in one.
A finished run folder is reused, an interrupted one resumed, so a second ``make run`` only prints.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from galrec.config import GalRecConfig
from galrec.typed_config import load_config

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "beauty-cpu.yaml"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="the main job: GAL-Rec on Beauty (CPU config) beside its baselines")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="default: configs/beauty-cpu.yaml")
    p.add_argument("--out", type=Path, default=Path("runs/main"), help="run folder (default: runs/main)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("overrides", nargs="*", metavar="key=value")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from galrec.eval.paired import paired_difference
    from galrec.eval.results import format_table
    from galrec.experiments.rows import ROWS
    from galrec.training import rundir
    from galrec.training.external_run import external_run_dir, fusion_run_dir
    from galrec.training.run import train_galrec

    cfg = load_config(GalRecConfig, args.config, args.overrides)
    run: Path = args.out
    if (run / rundir.TIMING).is_file():
        print(f"reusing the finished run {run} (delete it to train again)")
    else:
        resume = (run / rundir.CHECKPOINT).is_file()
        train_galrec(None if resume else cfg, run, resume=resume, progress=not args.quiet)
    saved = rundir.read_config(run)
    ext = saved.external
    external = external_run_dir(saved, progress=not args.quiet)
    partner = fusion_run_dir(saved, progress=not args.quiet)  # the reference row
    partner_name = ROWS[ext.fused_in or ext.source].label
    rows = {f"{ROWS[ext.source].label} (external, {external.name})": external}
    if ext.fused_in:
        rows[f"{partner_name} (fused in, {partner.name})"] = partner
    rows["GAL-Rec (language model alone)"] = run
    if (run / rundir.FUSED).is_dir():
        rows[f"GAL-Rec + {partner_name}, weight fitted on validation"] = run / rundir.FUSED
    print(f"\n{Path(saved.data.dataset).name}, full ranking, test split:")
    print(format_table({name: _test_metrics(folder) for name, folder in rows.items()}))
    for name, folder in rows.items():
        if folder != partner:
            d = paired_difference(folder, partner)
            print(f"{name} minus {partner_name}, NDCG@10 paired by user: {d.mean:+.4f} ± {d.half_width:.4f} "
                  f"(95%, {d.n_users} users): {d.verdict}")
    return 0


def _test_metrics(run: Path) -> dict[str, float]:
    return json.loads((run / "metrics.json").read_text(encoding="utf-8"))["test"]
