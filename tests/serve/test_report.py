"""``galrec report``: one self-contained page with the tables, the plots and the optional files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from galrec.errors import EXIT_USER_ERROR
from galrec.serve.report import read_train_log
from galrec.serve.report_html import render_json


@pytest.fixture
def full_run(sasrec_run: Path, tmp_path: Path) -> Path:
    """The SASRec run plus the optional files a GAL-Rec run may carry, and a torn log line."""
    run = tmp_path / "sasrec"
    shutil.copytree(sasrec_run, run)
    (run / "probe.json").write_text(json.dumps({"linear_probe": {"text": 0.41, "graph": 0.63}}))
    (run / "ablations.json").write_text(
        json.dumps(
            [
                {"variant": "all parts", "ndcg@10": 0.05},
                {"variant": "no L1", "ndcg@10": 0.045},
                {"variant": "<i>markup</i>", "ndcg@10": 0.01},
            ]
        )
    )
    with open(run / "train_log.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"epoch": 2, "loss": 7.5, "l1": 0.3}\n{"epoch": 3, "lo')
    return run


def test_report_is_self_contained_with_every_section(
    cli, full_run: Path, pop_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "page" / "report.html"
    status, stdout, _ = cli("report", str(full_run), "--out", str(out), "--compare", str(pop_run))
    assert status == 0 and stdout.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    for heading in ("Metrics", "Training curves", "Probe", "Ablations", "Timing", "Configuration"):
        assert f"<h2>{heading}</h2>" in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 2  # HR@K and training curves
    assert not re.search(r'(src|href)="(https?:)?//', html), "the page must not fetch anything"
    assert "sasrec (sasrec)" in html and "pop (pop)" in html  # both runs in the metrics table
    assert "linear_probe" in html and "no L1" in html
    assert "1 unreadable line(s)" in html
    assert "&lt;i&gt;markup&lt;/i&gt;" in html and "<i>markup" not in html


def test_default_output_is_inside_the_run(cli, pop_run: Path) -> None:
    status, stdout, _ = cli("report", str(pop_run))
    assert status == 0 and Path(stdout.strip()) == pop_run / "report.html"
    html = (pop_run / "report.html").read_text(encoding="utf-8")
    assert "Training curves" not in html  # pop trains nothing, so it has no log


def test_train_log_columns(full_run: Path) -> None:
    series, x_label, skipped = read_train_log(full_run / "train_log.jsonl")
    assert x_label == "epoch" and skipped == 1
    assert {"loss", "l1"} <= set(series)
    x, y = series["l1"]
    assert list(x) == [2.0] and list(y) == [0.3]


def test_compared_run_without_metrics_is_an_error(cli, full_run: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.yaml").write_text("model: sasrec\n")
    status, _, err = cli("report", str(full_run), "--compare", str(other))
    assert status == EXIT_USER_ERROR and "has no metrics.json" in err


def test_render_json_picks_a_table_for_each_shape() -> None:
    flat = render_json({"wall_seconds": 7.75, "backbone": {"name": "tiny", "layers": 4}})
    assert "<td>backbone.name</td>" in flat and "<td>backbone.layers</td>" in flat
    records = render_json({"full": {"ndcg@10": 0.05}, "no L1": {"ndcg@10": 0.04}})
    assert records.count("<tr>") == 3 and "<th>ndcg@10</th>" in records
    assert render_json([1, [2, {"a": [{}]}]]).startswith("<pre>")
