"""``galrec bench``: baselines, language-model rows and ablations side by side, one table.

Each row runs in its own process (``galrec baseline ...`` or ``galrec train ...``), so its wall
time and peak memory are its own and its command is a line anyone can rerun. Run folders hold
weights and live under ``runs`` (default ``runs/bench/<dataset>``, ignored by git); the table,
its JSON twin, the analysis files and the figures go to ``out`` (default ``results/<dataset>``).

Every language-model row is the bench's GAL-Rec config plus the row's overrides
(``rows.ROWS``), with the same seed and the same external embeddings: the baseline named by
``external.source`` runs first (or is the given ``external.run_dir``) and every other row reads
it through ``external.run_dir``; a baseline the language model is fused with
(``external.fusion_source``) runs second and reaches every row as ``external.fusion_run_dir``.

Resume: a finished row (its ``timing.json``, written last, exists) is reused once its stored
config is checked to be this row's; a GAL-Rec row with a checkpoint continues (``galrec train
--resume``, which also redoes an interrupted test pass); anything else starts over. The table is rewritten after every row, so a long bench shows its progress.

Several benches may share one ``runs`` folder (two single-threaded processes fill a table faster
on two cores): a row runs under an exclusive lock (``<row>.lock`` beside its folder), so a bench
that reaches a row another process is running waits for it and then reuses its run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from galrec.baselines.configs import resolve_config
from galrec.baselines.registry import REGISTRY
from galrec.baselines.run import load_baseline_config
from galrec.config import GalRecConfig
from galrec.typed_config import load_config, to_dict
from galrec.errors import GalrecError
from galrec.eval.paired import common_users, metrics_on_users
from galrec.experiments import rows as R
from galrec.experiments.spec import BenchSpec, Plan, base_config
from galrec.experiments.table import CURVES_PNG, SENSITIVITY_PNG, sweep_points, write_tables
from galrec.training import rundir


def kv(key: str, value: Any) -> str:
    """A ``key=value`` override that parses back to ``value`` (strings bare when YAML allows)."""
    if isinstance(value, str) and value and yaml.safe_load(value) == value:
        return f"{key}={value}"
    return f"{key}={json.dumps(value)}"


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _baseline_plan(name: str, row: R.Row, cfg: GalRecConfig, spec: BenchSpec) -> Plan:
    kvs = [
        kv("seed", cfg.seed),
        kv("device", _device()),
        kv("data.dataset", cfg.data.dataset),
        kv("data.max_len", cfg.data.max_len),
        kv("data.mask_repeats", cfg.data.mask_repeats),
        kv("eval.protocol", cfg.eval.protocol),
        kv("eval.ks", cfg.eval.ks),
    ]
    if spec.baseline_minutes:
        kvs.append(kv("optim.max_minutes", spec.baseline_minutes))
    if row.baseline == cfg.external.source:  # the embeddings GAL-Rec would train for itself:
        kvs += cfg.external.baseline_overrides  # its own limits win over the shared --budget
    elif row.baseline == cfg.external.fused_in:  # the same for the baseline it is fused with
        kvs += cfg.external.fusion_overrides
    config = resolve_config(REGISTRY[row.baseline].config_cls, None, kvs)
    run = spec.runs / name
    return Plan(name, row, run, config, ["baseline", row.baseline, "--out", str(run), "--quiet", *kvs])


def _lm_plan(name: str, row: R.Row, base: tuple[str, ...], runs: list[Path], spec: BenchSpec) -> Plan:
    """``base``: overrides under the row's own (a sweep row is GAL-Rec's row plus one key);
    ``runs``: the external run, then the fused-in one if there is one."""
    kvs = [*spec.overrides, *base, *row.overrides, kv("external.run_dir", str(runs[0]))]
    if len(runs) > 1:
        kvs.append(kv("external.fusion_run_dir", str(runs[1])))
    if spec.budget:
        kvs.append(kv("train.max_minutes", spec.budget))
    config = load_config(GalRecConfig, spec.config, kvs)
    run = spec.runs / name
    argv = ["train", *(["--config", spec.config] if spec.config else []), "--out", str(run), "--quiet", *kvs]
    return Plan(name, row, run, config, argv)


def make_plans(spec: BenchSpec) -> list[Plan]:
    """Every row to run, the baselines GAL-Rec reads and is fused with first; duplicates marked ``same_as``."""
    cfg = base_config(spec)
    lm_rows = [n for n in spec.rows if not R.ROWS[n].baseline]
    roles = [(cfg.external.source, cfg.external.run_dir)]  # the external run, then the fused-in one
    if cfg.external.fused_in:
        roles.append((cfg.external.fusion_source, cfg.external.fusion_run_dir))
    plans: list[Plan] = []
    for source, given in roles:
        if lm_rows or spec.sweeps or source in spec.rows:
            if given:
                run = Path(given).expanduser().resolve()
                plans.append(Plan(source, R.ROWS[source], run, load_baseline_config(run), None))
            else:
                plans.append(_baseline_plan(source, R.ROWS[source], cfg, spec))
    first = {p.name for p in plans}
    runs = [p.run_dir.resolve() for p in plans]
    for name in spec.rows:
        row = R.ROWS[name]
        if name in first:
            continue
        plans.append(_baseline_plan(name, row, cfg, spec) if row.baseline else _lm_plan(name, row, (), runs, spec))
    base = R.ROWS[R.SWEEP_BASE]
    for key, values in spec.sweeps:
        for value in values:
            name, row = R.sweep_row(key, value)
            plans.append(_lm_plan(name, row, base.overrides, runs, spec))
    first_of: dict[str, str] = {}  # resolved config -> the first row that has it
    for p in plans:
        if p.kind == "galrec":
            key = json.dumps(to_dict(p.config), sort_keys=True)
            if key in first_of:
                p.same_as = first_of[key]
            else:
                first_of[key] = p.name
    return plans


def _flat(d: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def stored_config_diff(plan: Plan) -> list[str]:
    """Keys where the run folder's stored config differs from the row's (empty: same run)."""
    if plan.kind == "galrec":
        stored = to_dict(rundir.read_config(plan.run_dir))
    else:
        stored = to_dict(load_baseline_config(plan.run_dir))
    expected, stored = _flat(to_dict(plan.config)), _flat(stored)
    ignored = {"device", "threads"}  # where a baseline ran, and on how many threads, is no part of it
    if stored.get("eval.test_users", 0) == 0:  # a run that ranked every user serves any subset
        ignored.add("eval.test_users")
    keys = sorted((set(stored) | set(expected)) - ignored)
    return [f"{k}: {stored.get(k)!r} there, {expected.get(k)!r} here" for k in keys if stored.get(k) != expected.get(k)]


def finished(run: Path) -> bool:
    """Both run kinds write ``timing.json`` last: without it, training or the test pass was cut."""
    return (run / rundir.TIMING).is_file()


def check_existing(plans: list[Plan]) -> None:
    """Refuse to reuse or resume a run folder that holds another config (before anything runs)."""
    for p in plans:
        if p.argv is None or p.same_as or not (p.run_dir / "config.yaml").is_file():
            continue
        if not (finished(p.run_dir) or (p.run_dir / rundir.CHECKPOINT).is_file()):
            continue  # nothing to reuse: the row starts over
        diff = stored_config_diff(p)
        if diff:
            raise GalrecError(
                f"row {p.name}: {p.run_dir} holds a run of another config ({'; '.join(diff[:3])}); "
                "delete it or pass --runs with another folder"
            )


def _galrec(argv: list[str], log: Path) -> int:
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"$ galrec {shlex.join(argv)}\n")
        fh.flush()
        cmd = [sys.executable, "-m", "galrec", *argv]
        return subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False).returncode


@contextlib.contextmanager
def row_lock(run: Path, on_wait: Callable[[], None] = lambda: None):
    """Hold ``<run>.lock`` exclusively (closing the file lets go); ``on_wait`` is called once if
    another process holds it."""
    run.parent.mkdir(parents=True, exist_ok=True)
    with open(run.parent / f"{run.name}.lock", "w", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(fh, fcntl.LOCK_EX)  # the other bench is running this row: wait for it
        yield


def execute(plan: Plan, log: Path, echo: Callable[[str], None] = print) -> str:
    """Run (or reuse, or resume) one row under its lock; returns its status."""
    if plan.argv is None:
        return "given"
    if finished(plan.run_dir):
        return "reused"
    with row_lock(plan.run_dir, lambda: echo(f"  {plan.name}: another bench is running it; waiting")):
        return _execute_locked(plan, log)


def _execute_locked(plan: Plan, log: Path) -> str:
    if finished(plan.run_dir):  # the process that held the lock finished it
        return "reused"
    log.parent.mkdir(parents=True, exist_ok=True)
    if plan.kind == "galrec" and (plan.run_dir / rundir.CHECKPOINT).is_file():
        return "resumed" if _galrec(["train", "--resume", str(plan.run_dir), "--quiet"], log) == 0 else "failed"
    return "trained" if _galrec(plan.argv, log) == 0 else "failed"


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


TIMING_KEYS = ("wall_seconds", "train_seconds", "samples_per_s", "tokens_per_user_prompt", "tokens_per_item_prompt",
               "peak_rss_mb", "epochs", "best_epoch", "stopped", "device", "threads", "load_avg_1m_at_end")


def row_result(plan: Plan, status: str, by_name: dict[str, Plan]) -> dict:
    src = by_name[plan.same_as] if plan.same_as else plan
    done = finished(src.run_dir)  # an unfinished folder's metrics.json may be a stale one
    metrics = (_read(src.run_dir / "metrics.json") or {}) if done else {}
    timing = (_read(src.run_dir / rundir.TIMING) or {}) if done else {}
    return {
        "name": plan.name,
        "label": plan.row.label,
        "kind": plan.kind,
        "overrides": list(plan.row.overrides),
        "status": f"same run as {plan.same_as}" if plan.same_as else status,
        "run_dir": str(src.run_dir),
        "command": src.command,
        "protocol": metrics.get("protocol"),
        "mask_repeats": metrics.get("mask_repeats"),
        "users_evaluated": metrics.get("users_evaluated"),
        "valid_users_evaluated": metrics.get("valid_users_evaluated", metrics.get("users_evaluated")),
        "valid": metrics.get("valid"),
        "test": metrics.get("test"),
        "timing": {k: timing[k] for k in TIMING_KEYS if k in timing},
    }


def fused_result(row: dict) -> dict | None:
    """A language-model row's leak-free fusion (``RUN/fused/``) as a row of its own, or None."""
    folder = Path(row["run_dir"]) / rundir.FUSED
    metrics = _read(folder / "metrics.json") if row["kind"] == "galrec" and row["test"] else None
    fusion = _read(folder / "fusion.json") if metrics else None
    if not metrics or not fusion:
        return None
    partner = load_baseline_config(fusion["partner_run"]).model
    return {
        **row,
        "name": row["name"] + R.FUSED_SUFFIX,
        "label": f"{row['label']} + {R.ROWS[partner].label}, fused",
        "kind": "fused",
        "status": f"fused, {R.ROWS[partner].label} weight {fusion['partner_weight']}",
        "run_dir": str(folder),
        "users_evaluated": metrics.get("users_evaluated"),
        "valid_users_evaluated": fusion["valid_users"],
        "valid": metrics.get("valid"),
        "test": metrics.get("test"),
        "timing": {},
    }


def on_common_users(results: dict[str, dict]) -> int | None:
    """Rows that ranked different test users (``eval.test_users`` on the language-model rows only):
    every row's ``test`` becomes its metrics over the users all rows ranked, recomputed from its
    ``ranks.tsv`` (its own metrics.json figures stay in ``test_own``). Returns that count, or None
    when the rows ranked the same users."""
    done = [r for r in results.values() if r["test"] and r["run_dir"]]
    if len({r["users_evaluated"] for r in done}) <= 1:
        return None
    users = common_users([Path(r["run_dir"]) for r in done])
    for r in done:
        r.setdefault("test_own", r["test"])
        r["test"] = metrics_on_users(Path(r["run_dir"]), users)
        r["test_users_compared"] = len(users)
    return len(users)


def run_bench(spec: BenchSpec, echo: Callable[[str], None] = print, header: dict | None = None) -> dict:
    """Run every planned row (resuming), write ``table.md`` / ``table.json``; returns the payload."""
    plans = make_plans(spec)
    check_existing(plans)
    by_name = {p.name: p for p in plans}
    results: dict[str, dict] = {}
    cfg = base_config(spec)
    needed = {cfg.external.source, cfg.external.fused_in} & {p.name for p in plans if p.kind != "galrec"}  # LM rows read them
    for k, p in enumerate(plans, 1):
        failed = sorted(n for n in needed if results.get(n, {}).get("status") == "failed")
        if p.kind == "galrec" and failed:
            status = f"skipped: {', '.join(failed)} run failed"
        elif p.same_as:
            status = "same"
        else:
            log = spec.runs / f"{p.name}.log"
            todo = "reuse" if p.argv is None or finished(p.run_dir) else "run"
            where = f" (log {log}; steps in {p.run_dir / rundir.LOG})" if p.kind == "galrec" else f" (log {log})"
            echo(f"[{k}/{len(plans)}] {p.name}: {todo}" + (where if todo == "run" else ""))
            t0 = time.perf_counter()
            status = execute(p, log, echo)
            if status == "failed":
                tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
                echo(f"  {p.name} failed after {time.perf_counter() - t0:.0f}s; last lines of {log}:\n    "
                     + "\n    ".join(tail))
        results[p.name] = row_result(p, status, by_name)
        fused = None if p.same_as else fused_result(results[p.name])
        if fused:
            results[fused["name"]] = fused
        test = results[p.name]["test"]
        if test and not p.same_as and status != "failed":
            echo(f"  {p.name}: test NDCG@10 {test['ndcg@10']:.4f} ({results[p.name]['status']})")
        write_tables(spec, plans, results, header or {}, on_common_users(results))  # progress, row by row
    finish(spec, plans, results, echo)
    return write_tables(spec, plans, results, header or {}, on_common_users(results))


def _run_of(name: str, results: dict[str, dict]) -> Path | None:
    """The finished GAL-Rec run folder behind row ``name`` (None: not one, or not finished)."""
    r = results.get(name)
    return Path(r["run_dir"]) if r and r["test"] and r["kind"] == "galrec" else None


def analysis_inputs(runs: dict[str, Path]) -> dict[str, str]:
    """What the stored analysis was computed from: each run's metrics.json, hashed."""
    return {n: hashlib.sha256((p / "metrics.json").read_bytes()).hexdigest()[:16] for n, p in runs.items()}


def finish(spec: BenchSpec, plans: list[Plan], results: dict[str, dict], echo: Callable[[str], None]) -> None:
    """Training curves, sensitivity plots and (unless reused) the analysis, into ``spec.out``."""
    from galrec.experiments import plots

    sweep_names = {R.sweep_row(k, v)[0] for k, vals in spec.sweeps for v in vals}
    logs = {}
    for p in plans:
        run = _run_of(p.name, results)
        if run and p.name not in sweep_names and not p.same_as and (run / rundir.LOG).is_file():
            logs[p.name] = run / rundir.LOG
    if logs:
        plots.training_curves(logs, spec.out / CURVES_PNG)
    if spec.sweeps:
        plots.sensitivity(sweep_points(spec, results), spec.out / SENSITIVITY_PNG)
    runs = {n: run for n in R.ANALYSIS_ROWS if (run := _run_of(n, results))}
    if not spec.analysis or not runs:
        return
    stored = spec.out / "probe.json"
    inputs = analysis_inputs(runs)
    if not spec.redo_analysis and stored.is_file() and json.loads(stored.read_text("utf-8")).get("inputs") == inputs:
        echo(f"analysis: reusing {spec.out} (same runs)")
        return
    from galrec.experiments.analysis import analyse

    try:
        analyse(runs, spec.out, seed=base_config(spec).seed, inputs=inputs, echo=echo)
    except GalrecError as exc:  # e.g. a dataset without titles: the table stands without it
        echo(f"analysis skipped: {exc}")
