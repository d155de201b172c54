"""``table.md`` and ``table.json`` of a bench, and the text forms of the probe and geometry files."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from galrec.errors import GalrecError
from galrec.eval.paired import paired_difference
from galrec.eval.results import atomic_write_text
from galrec.experiments import rows as R
from galrec.experiments.spec import BenchSpec, Plan, base_config

METRICS = ("hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20")
TABLE_MD, TABLE_JSON = "table.md", "table.json"
SENSITIVITY_PNG, CURVES_PNG = "sensitivity.png", "training-curves.png"


def machine_header(command: str) -> dict[str, Any]:
    """Where and when a result was produced, and from which commit."""
    import torch

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10,
            cwd=Path(__file__).resolve().parent, check=False,
        ).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "git_commit": commit,
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
    }


def _num(x: float | None, fmt: str = "{:.4f}") -> str:
    return "—" if x is None else fmt.format(x)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.0f} s" if seconds < 60 else f"{seconds / 60:.1f} min"


def _tokens(t: dict) -> str:
    user, item = t.get("tokens_per_user_prompt"), t.get("tokens_per_item_prompt")
    if user is None:
        return "—"
    return f"{user:.0f}" + (f" / {item:.0f}" if item else "")


def row_line(r: dict) -> str:
    test, valid, t = r["test"] or {}, r["valid"] or {}, r["timing"]
    cells = [f"{r['label']} `{r['name']}`"]
    cells += [_num(test.get(m)) for m in METRICS]
    cells += [
        _num(valid.get("ndcg@10")),
        _minutes(t.get("wall_seconds")),
        _num(t.get("samples_per_s"), "{:.1f}"),
        _tokens(t),
        _num(t.get("peak_rss_mb"), "{:,.0f} MB"),
    ]
    if not r["test"]:
        cells[1] = r["status"]
    return "| " + " | ".join(cells) + " |"


VERDICTS = {"better": "GAL-Rec is better", "worse": "GAL-Rec is **worse**", "within noise": "within noise"}


def _paired(galrec: dict, other: dict, subject: str = "GAL-Rec") -> str:
    """``subject`` (GAL-Rec's row) minus ``other`` per test user: the 95% interval and what it says."""
    try:
        d = paired_difference(Path(galrec["run_dir"]), Path(other["run_dir"]), "ndcg@10")
    except GalrecError as exc:
        return f"no paired comparison ({exc})"
    verdict = VERDICTS[d.verdict].replace("GAL-Rec", subject)
    return f"{subject} minus it, paired by user: {d.mean:+.4f} ± {d.half_width:.4f}; {verdict}"


def ablation_lines(rows: list[dict]) -> list[str]:
    """GAL-Rec against each comparison row on test NDCG@10, paired by user, whichever way it goes."""
    by = {r["name"]: r for r in rows if r["test"]}
    if "galrec" not in by:
        return []
    ref = by["galrec"]["test"]["ndcg@10"]
    lines = [
        f"GAL-Rec test NDCG@10 = {ref:.4f}. Against each comparison row (the interval is the 95% "
        "confidence interval of the mean per-user difference on the same test users, from `ranks.tsv`; "
        "\"within noise\" when it contains 0):",
    ]
    for name in ("e4srec", "text-only", "sasrec", "bsarec", "lightgcn", *R.ABLATIONS):
        if name not in by or by[name].get("status", "").startswith("same run as galrec"):
            continue
        v = by[name]["test"]["ndcg@10"]
        lines.append(f"- {by[name]['label']} (`{name}`): {v:.4f}; {_paired(by['galrec'], by[name])}")
    fused = by.get("galrec" + R.FUSED_SUFFIX)
    if fused:
        lines += ["", f"{fused['label']} (`{fused['name']}`) test NDCG@10 = {fused['test']['ndcg@10']:.4f}, against:"]
        for name in (*R.BASELINES, "e4srec" + R.FUSED_SUFFIX):
            if name in by:
                v = by[name]["test"]["ndcg@10"]
                lines.append(f"- {by[name]['label']} (`{name}`): {v:.4f}; {_paired(fused, by[name], 'the fusion')}")
    return lines


def sweep_points(spec: BenchSpec, results: dict[str, dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for key, values in spec.sweeps:
        pts = []
        for value in values:
            r = results.get(R.sweep_row(key, value)[0]) or {}
            ndcg = {split: (r.get(split) or {}).get("ndcg@10") for split in ("valid", "test")}
            pts.append({"value": value, "row": r.get("name"), **ndcg})
        out[key] = pts
    return out


def format_probe(result: dict) -> str:
    t = result["twins"]
    found, used = t["pairs_found"], t["pairs_used"]
    summary = (
        f"Text twins: title cosine >= {t['threshold']} ({t['method']}), both items with >= "
        f"{t['min_training_users']} training users; found {found['overlap']} overlapping-audience and "
        f"{found['disjoint']} disjoint-audience pairs, used {used['overlap']} / {used['disjoint']}."
    )
    lines = [
        summary,
        "",
        "| representation | item vector | AUC (overlap vs disjoint) | mean cosine, overlap | mean cosine, disjoint |",
        "|---|---|---|---|---|",
    ]
    for r in result["results"]:
        lines.append(
            f"| {r['representation']} | {r['item_view']} | {_num(r['auc'], '{:.3f}')} | "
            f"{_num(r['mean_cosine_overlap'], '{:.3f}')} | {_num(r['mean_cosine_disjoint'], '{:.3f}')} |"
        )
    return "\n".join(lines)


def format_geometry(geo: dict) -> str:
    lines = [
        "| representation | hop | alignment (lower: closer pairs) | uniformity, users | uniformity, items |",
        "|---|---|---|---|---|",
    ]
    for r in geo["results"]:
        for h in range(3):
            g = r[f"hop{h}"]
            lines.append(
                f"| {r['encoder']} ({r['item_view']}) | {h} | {g['alignment']:.3f} | "
                f"{g['uniformity_users']:.3f} | {g['uniformity_items']:.3f} |"
            )
    return "\n".join(lines)


def _analysis_sections(out: Path) -> list[str]:
    lines: list[str] = []
    probe, geo = out / "probe.json", out / "geometry.json"
    if probe.is_file():
        lines += ["", "## Collaborative-semantics probe", "", format_probe(json.loads(probe.read_text("utf-8")))]
    if geo.is_file():
        lines += ["", "## Alignment and uniformity by hop", "", format_geometry(json.loads(geo.read_text("utf-8")))]
    for png, title in (("item-map.png", "Item map"), (CURVES_PNG, "Training curves")):
        if (out / png).is_file():
            lines += ["", f"## {title}", "", f"![{title}]({png})"]
    return lines


COLUMNS = ("row", "HR@5", "HR@10", "HR@20", "NDCG@5", "NDCG@10", "NDCG@20", "valid NDCG@10", "wall",
           "samples/s", "tokens per prompt (user / item)", "peak RSS")


def _users(payload: dict, first: dict) -> str:
    n = payload.get("test_users_compared")
    if n is None:
        return f"{first.get('users_evaluated', '?')} users"
    return (f"the {n:,} test users that every row ranked (a seeded subset, `eval.test_users`; each row's "
            "metrics recomputed over them from its `ranks.tsv`, its own figures in `table.json` as `test_own`)")


def _intro(payload: dict) -> list[str]:
    h, first = payload["header"], next((r for r in payload["rows"] if r["protocol"]), {})
    where = h.get("machine", "?") + (f", GPU {h['gpu']}" if h.get("gpu") else "") + f", torch {h.get('torch')}"
    masked = (
        "history items masked (a repeated target counts as a miss)"
        if first.get("mask_repeats", True)
        else "repeated targets unmasked"
    )
    minutes, baseline_minutes = payload["budget_minutes"], payload.get("baseline_budget_minutes")
    budget = f", at most {minutes:g} minutes of training per language-model row" if minutes else ""
    if baseline_minutes is None or baseline_minutes == minutes:
        budget += " and per baseline row" if minutes else ""
    else:
        budget += f", baseline rows {f'at most {baseline_minutes:g} minutes' if baseline_minutes else 'under their own configs'}"
    budget += " (the external one: its `external.baseline_overrides`)" if minutes or baseline_minutes else ""
    return [
        f"# {payload['dataset']}: side-by-side benchmark",
        "",
        f"Produced by `{h.get('command', '')}` on {h.get('date', '?')} (git {h.get('git_commit')}); {where}.",
        "",
        (
            f"Protocol: {first.get('protocol', 'full')} ranking of each user's test item (leave-one-out) over "
            f"{_users(payload, first)}, {masked}; each model's weights selected on validation "
            f"NDCG@10. Language-model rows: the config `{payload['config']}` plus the overrides below, seed "
            f"{payload['seed']}, external embeddings from the `{payload['external_row']}` row"
            + (f", fused after training with the `{payload['fused_row']}` row (the `+fused` rows: one weight "
               "fitted on validation users, `RUN/fused/`)" if payload.get("fused_row") else "") + f"{budget}."
        ),
    ]


def render_markdown(payload: dict, out: Path) -> str:
    rows = payload["rows"]
    lines = [
        *_intro(payload),
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *[row_line(r) for r in rows],
        "",
        (
            "Valid NDCG@10 of the language-model rows is over the per-epoch validation users "
            "(`train.valid_users`); wall time includes the test ranking; samples/s counts training "
            "examples per second of optimisation; peak RSS is the row's process."
        ),
    ]
    versus = ablation_lines(rows)
    lines += ["", *versus] if versus else []
    lines += ["", "Row definitions (overrides of the config):", ""]
    for r in rows:
        if r["kind"] == "galrec":
            same = f" ({r['status']})" if r["status"].startswith("same run") else ""
            lines.append(f"- `{r['name']}`: " + (", ".join(f"`{o}`" for o in r["overrides"]) or "(none)") + same)
    if payload["sweeps"]:
        lines += ["", "## Sensitivity (NDCG@10 of GAL-Rec)", "", "| key | value | valid | test |", "|---|---|---|---|"]
        for key, pts in payload["sweeps"].items():
            lines += [f"| {key} | {p['value']} | {_num(p['valid'])} | {_num(p['test'])} |" for p in pts]
        if (out / SENSITIVITY_PNG).is_file():
            lines += ["", f"![sensitivity]({SENSITIVITY_PNG})"]
    lines += _analysis_sections(out)
    lines += ["", "Every row's exact command, run folder and timing: `table.json`."]
    return "\n".join(lines) + "\n"


def _table_order(row: dict) -> tuple[int, bool]:
    """Table order, not run order; a fused row right after its language-model row."""
    name = row["name"].removesuffix(R.FUSED_SUFFIX)
    return list(R.ROWS).index(name), name != row["name"]


def write_tables(
    spec: BenchSpec, plans: list[Plan], results: dict[str, dict], header: dict, common_users: int | None = None
) -> dict:
    """``common_users``: the rows ranked different test users and are compared on this many."""
    cfg = base_config(spec)
    sweep_names = {R.sweep_row(k, v)[0] for k, vals in spec.sweeps for v in vals}
    payload = {
        "dataset": Path(cfg.data.dataset).name,
        "header": header,
        "config": spec.config,
        "overrides": spec.overrides,
        "seed": cfg.seed,
        "budget_minutes": spec.budget,
        "baseline_budget_minutes": spec.baseline_minutes,
        "test_users_compared": common_users,
        "external_row": cfg.external.source,
        "runs": str(spec.runs),
        "fused_row": cfg.external.fused_in,
        "rows": sorted((results[n] for p in plans if p.name not in sweep_names
                        for n in (p.name, p.name + R.FUSED_SUFFIX) if n in results),
                       key=_table_order),
        "sweep_rows": [results[p.name] for p in plans if p.name in results and p.name in sweep_names],
        "sweeps": sweep_points(spec, results),
    }
    spec.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(spec.out / TABLE_JSON, json.dumps(payload, indent=2) + "\n")
    atomic_write_text(spec.out / TABLE_MD, render_markdown(payload, spec.out))
    return payload
