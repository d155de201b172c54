"""A GAL-Rec run (tiny random backbone, one short epoch) is served like a baseline."""

from __future__ import annotations

import json
from pathlib import Path

from galrec.serve.loading import load_run

from .conftest import MAX_LEN


def test_galrec_run_recommends(cli, galrec_run: Path) -> None:
    run = load_run(galrec_run)
    assert run.model_name == "galrec" and run.max_len == MAX_LEN
    status, out, _ = cli("recommend", str(galrec_run), "--history", "101,102,103", "--k", "5", "--json")
    assert status == 0
    rec = json.loads(out)
    assert rec["model"] == "galrec" and rec["source"] == "model" and len(rec["items"]) == 5
    assert not {"101", "102", "103"} & {it["item_id"] for it in rec["items"]}


def test_galrec_report_compares_with_its_external_run(cli, galrec_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    status, _, _ = cli("report", str(galrec_run), "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert status == 0 and "galrec (run)" in html
    assert "sasrec (sasrec" in html, "the SASRec run named in external.run_dir belongs beside it"
