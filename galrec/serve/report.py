"""``galrec report``: one self-contained HTML page about a run, built from its files alone.

Sections, each shown when its file exists: metrics beside the compared runs (``metrics.json``,
``ranks.tsv``), training curves of every numeric column of ``train_log.jsonl``, ``probe.json``,
``ablations.json``, ``timing.json``, and the resolved ``config.yaml``. Nothing is loaded but
those files, so a report of a large run takes a second.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from galrec.errors import GalrecError
from galrec.eval.results import HEADLINE_KEYS, read_ranks
from galrec.serve.report_html import cell, page, render_json, table
from galrec.serve.report_plots import hit_rate_curves, training_curves
from galrec.serve.runfolder import read_run_config

# The first of these a log has is the curves' x axis; none of them is plotted as a curve.
X_COLUMNS = ("step", "global_step", "epoch")


@dataclass
class RunFiles:
    run_dir: Path
    config: dict[str, Any]
    metrics: dict[str, Any] | None

    @property
    def label(self) -> str:
        return f"{self.config['model']} ({self.run_dir.name})"

    @property
    def dataset(self) -> str:
        data = self.config.get("data")
        return str(data.get("dataset", "?")) if isinstance(data, dict) else "?"


def _read_json(path: Path) -> Any | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GalrecError(f"cannot read {path}: {exc}") from None


def read_run(run_dir: Path) -> RunFiles:
    return RunFiles(run_dir, read_run_config(run_dir), _read_json(run_dir / "metrics.json"))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def read_train_log(path: Path) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], str, int]:
    """Every numeric column as ``(x, y)`` over the rows that have it; also the x label and the
    number of unreadable lines skipped (a run killed mid-write leaves half a line)."""
    rows, skipped = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            skipped += 1
            continue
        if isinstance(row, dict):
            rows.append(row)
        else:
            skipped += 1
    x_key = next((k for k in X_COLUMNS if any(k in r for r in rows)), None)
    columns: list[str] = []
    for r in rows:
        columns += [k for k, v in r.items() if k not in X_COLUMNS and k not in columns and _is_number(v)]
    series = {}
    for col in columns:
        pts = [
            (r[x_key] if x_key else j, r[col])
            for j, r in enumerate(rows)
            if _is_number(r.get(col)) and (x_key is None or _is_number(r.get(x_key)))
        ]
        if pts:
            x, y = zip(*pts)
            series[col] = (np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return series, x_key or "log line", skipped


def _metrics_table(runs: list[RunFiles], split: str) -> str:
    have = [r for r in runs if r.metrics and isinstance(r.metrics.get(split), dict)]
    keys = [k for k in HEADLINE_KEYS if any(k in r.metrics[split] for r in have)]  # type: ignore[index]
    if not keys:
        return f'<p class="note">No {split} metrics.</p>'
    best = {k: max(r.metrics[split].get(k, -1.0) for r in have) for k in keys}  # type: ignore[index]
    rows = []
    for r in have:
        m = r.metrics[split]  # type: ignore[index]
        marks = [
            cell(m[k], "best" if len(have) > 1 and m.get(k) == best[k] else "", ".4f") if k in m else ""
            for k in keys
        ]
        rows.append([r.label, r.dataset, str(r.metrics.get("protocol", "?")), *marks])  # type: ignore[union-attr]
    css = ["this" if r is runs[0] else "" for r in have]
    return table(["run", "dataset", "protocol", *(k.upper() for k in keys)], rows, css)


def _facts(run: RunFiles) -> str:
    facts: dict[str, Any] = {"model": run.config["model"], "dataset": run.dataset}
    if run.metrics:
        facts["protocol"] = run.metrics.get("protocol")
        facts["users evaluated"] = run.metrics.get("users_evaluated")
        test = run.metrics.get("test") or {}
        for k in ("hr@10", "ndcg@10"):
            if k in test:
                facts[f"test {k.upper()}"] = f"{test[k]:.4f}"
    shown = [(k, v) for k, v in facts.items() if v is not None]
    return (
        '<div class="facts">'
        + "".join(
            f'<div class="fact"><b>{escape(k)}</b>{escape(f"{v:,}" if isinstance(v, int) else str(v))}</div>'
            for k, v in shown
        )
        + "</div>"
    )


def _metrics_section(runs: list[RunFiles]) -> str:
    out = ["<h2>Metrics</h2>"]
    if not runs[0].metrics:
        out.append(f'<p class="note">No metrics.json in {escape(str(runs[0].run_dir))} yet.</p>')
    out += ["<h3>Test split</h3>", _metrics_table(runs, "test")]
    out += ["<h3>Validation split (used for model selection)</h3>", _metrics_table(runs, "valid")]
    ranks = {r.label: read_ranks(r.run_dir / "ranks.tsv") for r in runs if (r.run_dir / "ranks.tsv").exists()}
    if ranks:
        out += ["<h3>Hit rate by list length</h3>", f'<img alt="HR@K" src="{hit_rate_curves(ranks)}">']
    return "".join(out)


def _training_section(run_dir: Path) -> str:
    path = run_dir / "train_log.jsonl"
    if not path.exists():
        return ""
    series, x_label, skipped = read_train_log(path)
    out = ["<h2>Training curves</h2>"]
    if series:
        out.append(f'<img alt="training curves" src="{training_curves(series, x_label)}">')
    else:
        out.append('<p class="note">train_log.jsonl has no numeric columns.</p>')
    if skipped:
        out.append(f'<p class="note">{skipped} unreadable line(s) of train_log.jsonl skipped.</p>')
    return "".join(out)


def _json_section(run_dir: Path, name: str, title: str) -> str:
    obj = _read_json(run_dir / name)
    return "" if obj is None else f"<h2>{escape(title)}</h2>{render_json(obj)}"


def named_baseline(config: dict[str, Any]) -> list[Path]:
    """The run a GAL-Rec config took its external embeddings from, when it is a finished run."""
    external = config.get("external")
    named = external.get("run_dir") if isinstance(external, dict) else None
    return [Path(named)] if named and (Path(named) / "metrics.json").is_file() else []


def build_report(run_dir: Path, compare: list[Path]) -> str:
    run = read_run(run_dir)
    others = dict.fromkeys(p.resolve() for p in [*compare, *named_baseline(run.config)])
    runs = [run] + [read_run(p) for p in others if p != run_dir.resolve()]
    for r in runs[1:]:
        if r.metrics is None:
            raise GalrecError(f"compared run {r.run_dir} has no metrics.json")
    body = [
        f"<h1>Run report: {escape(run_dir.name)}</h1>",
        f'<p class="sub">{escape(str(run_dir.resolve()))}</p>',
        _facts(run),
        _metrics_section(runs),
        _training_section(run_dir),
        _json_section(run_dir, "probe.json", "Probe"),
        _json_section(run_dir, "ablations.json", "Ablations"),
        _json_section(run_dir, "timing.json", "Timing"),
        f"<h2>Configuration</h2><pre>{escape(yaml.safe_dump(run.config, sort_keys=False))}</pre>",
    ]
    return page(f"galrec report: {run_dir.name}", "".join(body))


def write_report(
    run_dir: str | Path, out: str | Path | None = None, compare: list[Path] | None = None
) -> Path:
    run_dir = Path(run_dir)
    target = Path(out) if out else run_dir / "report.html"
    html = build_report(run_dir, list(compare or []))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
