"""``galrec bench``: every baseline, language-model row and ablation of one dataset, side by side."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from galrec.experiments import rows as R


def add_parser(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser(
        "bench",
        help="run the comparison rows (resuming), write results/<dataset>/table.md, table.json, plots",
        description="Rows: " + ", ".join(R.ROWS) + ". Each row runs as its own `galrec baseline` or "
        "`galrec train` process; finished rows are reused. Without --rows, the rows of the config's "
        "train.mode (listed and compact: prefix; token: sequence).",
    )
    b.add_argument("--dataset", help="sets data.dataset (default: the config's)")
    b.add_argument("--config", help="the GAL-Rec YAML every language-model row starts from, e.g. configs/beauty-cpu.yaml")
    b.add_argument("--rows", help="comma-separated rows (default: every row of the config's train.mode); see --list-rows")
    b.add_argument("--sweep", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="GAL-Rec with KEY at each value (repeatable), e.g. loss.l1=0,0.05,0.1,0.3")
    b.add_argument("--out", type=Path, help="tables, analysis and figures (default: results/<dataset>)")
    b.add_argument("--runs", type=Path, help="run folders, with weights (default: runs/bench/<dataset>)")
    b.add_argument("--budget", type=float, default=0.0, metavar="MINUTES",
                   help="wall-clock cap on each row's training (train.max_minutes / optim.max_minutes); "
                   "the external baseline keeps its external.baseline_overrides")
    b.add_argument("--baseline-budget", type=float, default=None, metavar="MINUTES",
                   help="the cap of the baseline rows instead (default: --budget; 0: their tuned configs' own limits)")
    b.add_argument("--no-analysis", action="store_true", help="skip the probe, geometry and item map")
    b.add_argument("--redo-analysis", action="store_true", help="recompute them even if the runs are unchanged")
    b.add_argument("--dry-run", action="store_true", help="print each row's command and exit")
    b.add_argument("--list-rows", action="store_true", help="print the row definitions and exit")
    b.add_argument("overrides", nargs="*", metavar="key=value", help="GAL-Rec config overrides for every LM row")
    b.set_defaults(func=cmd_bench)


def command_line(args: argparse.Namespace) -> str:
    """The bench command as a user would retype it."""
    parts = ["galrec", "bench"]
    for flag in ("dataset", "config", "rows", "out", "runs"):
        value = getattr(args, flag)
        if value is not None:
            parts += [f"--{flag}", str(value)]
    for sweep in args.sweep:
        parts += ["--sweep", sweep]
    if args.budget:
        parts += ["--budget", f"{args.budget:g}"]
    if args.baseline_budget is not None:
        parts += ["--baseline-budget", f"{args.baseline_budget:g}"]
    parts += [f for f, on in (("--no-analysis", args.no_analysis), ("--redo-analysis", args.redo_analysis)) if on]
    return shlex.join(parts + list(args.overrides))


def cmd_bench(args: argparse.Namespace) -> int:
    from galrec.config import GalRecConfig
    from galrec.typed_config import load_config
    from galrec.experiments.bench import make_plans, run_bench
    from galrec.experiments.spec import BenchSpec
    from galrec.experiments.table import machine_header

    if args.list_rows:
        for name, row in R.ROWS.items():
            what = f"galrec baseline {row.baseline}" if row.baseline else " ".join(row.overrides) or "(the config)"
            print(f"{name:22s} {row.label}: {what}")
        return 0
    overrides = ([f"data.dataset={args.dataset}"] if args.dataset else []) + list(args.overrides)
    cfg = load_config(GalRecConfig, args.config, overrides)
    name = Path(cfg.data.dataset).name
    spec = BenchSpec(
        config=args.config,
        overrides=overrides,
        rows=R.select_rows(args.rows, cfg.train.mode),
        sweeps=[R.parse_sweep(s) for s in args.sweep],
        out=args.out or Path("results") / name,
        runs=args.runs or Path("runs") / "bench" / name,
        budget=args.budget,
        baseline_budget=args.baseline_budget,
        analysis=not args.no_analysis,
        redo_analysis=args.redo_analysis,
    )
    if args.dry_run:
        for p in make_plans(spec):
            print(f"{p.name}: " + (f"same run as {p.same_as}" if p.same_as else p.command or f"given: {p.run_dir}"))
        return 0
    payload = run_bench(spec, header=machine_header(command_line(args)))
    failed = [r["name"] for r in payload["rows"] + payload["sweep_rows"] if r["status"] == "failed"]
    print(f"wrote {spec.out / 'table.md'} and table.json" + (f"; failed rows: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0
