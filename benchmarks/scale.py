"""Scale benchmark: seconds and peak memory of each galrec stage on synthetic logs of several sizes.

    .venv/bin/python benchmarks/scale.py --sizes small,medium,large

Sizes (``benchmarks/synthetic.py``): tiny 2k users / 500 items / 40k interactions (a smoke
check), small 50k / 10k / 1M, medium 250k / 50k / 5M, large 1M / 200k / 20M. Every stage runs
in a fresh process (``benchmarks/scale_stages.py``) so that each peak is its own; this driver
imports nothing heavy, because a child started from a large parent can inherit the parent's
peak in ``ru_maxrss``. Results are merged into ``--out``.json (one entry per size, so sizes
can be run separately) and the whole table is rewritten to ``--out``.md.

Run it on an otherwise idle machine: two CPU-heavy processes on two cores slow each other
several-fold. Each stage's record holds the 1-minute load average when it started.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAGES = ["load", "write_csv", "read_csv", "graph", "hop2", "sasrec_ce", "sasrec_sampled", "sasrec_bce", "eval"]
LABELS = {
    "load": "load: generate + `Interactions` + leave-one-out",
    "write_csv": "write the CSV (set-up, not galrec)",
    "read_csv": "read the CSV: `load_dataset` + leave-one-out",
    "graph": "graph: `BipartiteGraph.from_sequences(train)`",
    "hop2": "2-hop sampling: 20 users for every user",
    "sasrec_ce": "SASRec epoch, full cross-entropy",
    "sasrec_sampled": "SASRec epoch, sampled softmax (256 shared negatives)",
    "sasrec_bce": "SASRec epoch, BCE with 1 negative",
    "eval": "full-ranking evaluation (SASRec scorer)",
}


def when() -> dict:
    """Date and commit of a stage record (stages of one size may be rerun separately)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE)
    now = datetime.datetime.now().isoformat(timespec="seconds")
    return {"date": now, "commit": commit.stdout.strip() or None}


def run_stage(stage: str, size: str, workdir: Path, args: argparse.Namespace) -> dict:
    """Run one stage in its own process; a failure becomes a record, not an exception."""
    cmd = [
        sys.executable, str(HERE / "scale_stages.py"), stage, "--size", size, "--workdir", str(workdir),
        "--seed", str(args.seed), "--budget-s", str(args.budget_s), "--eval-users", str(args.eval_users),
    ]
    context = {"load_1m": round(os.getloadavg()[0], 2), **when()}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.stage_timeout_s)
    except subprocess.TimeoutExpired:
        return {"stage": stage, "error": f"timed out after {args.stage_timeout_s:.0f} s", **context}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"stage": stage, "error": f"exit status {proc.returncode}: {tail}", **context}
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), **context}


def machine() -> dict:
    mem_gb = None
    if Path("/proc/meminfo").exists():
        first = Path("/proc/meminfo").read_text().splitlines()[0]  # "MemTotal: 24603012 kB"
        mem_gb = round(int(first.split()[1]) / 2**20, 1)
    return {"cpus": os.cpu_count(), "memory_gb": mem_gb, "platform": platform.platform(),
            "python": platform.python_version()}


# -- the Markdown report --------------------------------------------------------------------------

def seconds(x: float) -> str:
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def cell(rec: dict | None) -> str:
    if rec is None:
        return "not run"
    if "error" in rec:
        return f"failed ({rec['error'][:80]})"
    mark = "*" if rec.get("extrapolated") else ""
    return f"{seconds(rec['seconds'])} s{mark}, {rec['peak_gb']:.2f} GB"


def size_notes(entry: dict) -> list[str]:
    m, st = entry["machine"], entry["stages"]
    dates = sorted({f"{r['date'][:16]} (commit {r['commit']})" for r in st.values() if "date" in r})
    notes = [f"{m['cpus']} CPUs, {m['memory_gb']} GB RAM, Python {m['python']}; run {', '.join(dates)}"]
    for stage in ("sasrec_ce", "sasrec_bce"):
        r = st.get(stage, {})
        if "batches" not in r:
            continue
        how = "the whole epoch"
        if r["extrapolated"]:
            how = (f"extrapolated from {r['batches_done']} of {r['batches']} batches "
                   f"({r['measured_s']:.0f} s measured)")
        notes.append(
            f"{stage}: {r['windows']:,} windows in {r['batches']} batches "
            f"(optim.batch_size {r['batch_size']}), "
            f"hidden {r['hidden']}, max_len {r['max_len']}, {r['torch_threads']} torch threads; {how}; "
            f"target positions per batch {r['positions_mean']:.0f} on average, {r['positions_max']} at most "
            "(the peak includes one step on that largest batch)"
        )
    ev = st.get("eval", {})
    if "users" in ev:
        notes.append(f"eval: {ev['users']:,} users ranked against all items, batch {ev['batch_size']}")
    busy = [f"{k} {r['load_1m']}" for k, r in st.items() if r.get("load_1m", 0) > 0.5 * (m["cpus"] or 1)]
    if busy:
        notes.append("**the machine was busy** (1-minute load average when the stage started): "
                     + ", ".join(busy))
    return notes


def work(stage: str, stages: dict) -> float | None:
    """What a stage's cost should be proportional to: interactions for the data path, target
    positions (times the catalogue for a full softmax) for SASRec, users × items for ranking."""
    load, rec = stages.get("load", {}), stages.get(stage, {})
    if "interactions" not in load or not rec.get("seconds"):
        return None
    if stage.startswith("sasrec"):
        positions = rec["positions_mean"] * rec["batches"]
        return positions * load["items"] if stage == "sasrec_ce" else positions
    if stage == "eval":
        return rec["users"] * load["items"]
    return load["interactions"]


def growth(results: dict, sizes: list[str]) -> list[str]:
    """Time factor per stage between consecutive sizes, beside the factor of its cost driver."""
    if len(sizes) < 2:
        return []
    pairs = list(zip(sizes[:-1], sizes[1:]))
    lines = [
        "## Growth",
        "",
        "Time factor between consecutive sizes and, in brackets, the factor of what the stage's cost",
        "should follow: interactions for the data path, target positions for SASRec with BCE,",
        "positions × items for full cross-entropy, users × items for full ranking. Equal factors mean",
        "the stage grows linearly in its driver.",
        "",
        "| stage | " + " | ".join(f"{a} → {b}" for a, b in pairs) + " |",
        "|---|" + "---|" * len(pairs),
    ]
    for stage in STAGES:
        row = []
        for a, b in pairs:
            sa, sb = results["sizes"][a]["stages"], results["sizes"][b]["stages"]
            wa, wb = work(stage, sa), work(stage, sb)
            if wa and wb:
                row.append(f"×{sb[stage]['seconds'] / sa[stage]['seconds']:.1f} (work ×{wb / wa:.1f})")
            else:
                row.append("")
        lines.append(f"| {LABELS[stage]} | " + " | ".join(row) + " |")
    return lines + [""]


def to_markdown(results: dict) -> str:
    def dims(s: str) -> dict:
        return results["sizes"][s]["stages"].get("load", {})

    sizes = sorted(results["sizes"], key=lambda s: dims(s).get("interactions", 0))
    head = [
        f"{s} ({dims(s)['users']:,} users, {dims(s)['items']:,} items, "
        f"{dims(s)['interactions']:,} interactions)"
        if "users" in dims(s) else s
        for s in sizes
    ]
    lines = [
        "# Scale benchmark",
        "",
        "Seconds and peak resident memory per stage (GB: the stage's own process, so the interpreter,",
        "the libraries and the stage's inputs are included) on synthetic logs (`benchmarks/synthetic.py`:",
        "Zipf-Mandelbrot item popularity, log-normal user lengths >= 3). Produced by:",
        "",
        *[f"    {c}" for c in results.get("commands", [])],
        "",
        "| stage | " + " | ".join(head) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for stage in STAGES:
        row = [cell(results["sizes"][s]["stages"].get(stage)) for s in sizes]
        lines.append(f"| {LABELS[stage]} | " + " | ".join(row) + " |")
    lines += [
        "",
        "`*`: SASRec epoch cut after `--budget-s` seconds of training and extrapolated, by target",
        "positions, to the whole epoch.",
        "",
        *growth(results, sizes),
        "## Runs",
        "",
    ]
    for s in sizes:
        lines += [f"- **{s}**"] + [f"  - {note}" for note in size_notes(results["sizes"][s])]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small", help="comma-separated: tiny, small, medium, large")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated subset, in this order")
    parser.add_argument("--workdir", type=Path, default=Path("runs/scale"), help="stage hand-off files")
    parser.add_argument("--out", type=Path, default=Path("results/scale"), help="writes OUT.json and OUT.md")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget-s", type=float, default=300.0,
                        help="seconds of SASRec training to time before extrapolating to the full epoch")
    parser.add_argument("--eval-users", type=int, default=100_000)
    parser.add_argument("--stage-timeout-s", type=float, default=3 * 3600)
    parser.add_argument("--render-only", action="store_true", help="only rewrite OUT.md from OUT.json")
    args = parser.parse_args()
    stages = args.stages.split(",")
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        parser.error(f"unknown stage(s) {unknown}; known: {STAGES}")

    json_path, md_path = args.out.with_suffix(".json"), args.out.with_suffix(".md")
    results = json.loads(json_path.read_text()) if json_path.exists() else {"sizes": {}}
    if args.render_only:
        md_path.write_text(to_markdown(results))
        return
    command = "python benchmarks/scale.py " + shlex.join(sys.argv[1:])
    results["commands"] = [c for c in results.get("commands", []) if c != command] + [command]
    json_path.parent.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        entry = results["sizes"].setdefault(size, {"stages": {}})  # stages not rerun are kept
        entry["machine"] = machine()
        for stage in stages:
            rec = run_stage(stage, size, args.workdir / size, args)
            entry["stages"][stage] = rec
            print(f"{size:>6} {stage:<10} {cell(rec)}", flush=True)
            json_path.write_text(json.dumps(results, indent=1) + "\n")
            md_path.write_text(to_markdown(results))


if __name__ == "__main__":
    main()
