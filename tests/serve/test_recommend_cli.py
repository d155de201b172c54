"""``galrec recommend``: table and JSON output, dataset ids, exclusion, errors, the fallback."""

from __future__ import annotations

import json
from pathlib import Path

from galrec.errors import EXIT_USER_ERROR


def test_table_lists_k_titled_items(cli, sasrec_run: Path) -> None:
    status, out, _ = cli("recommend", str(sasrec_run), "--history", "101,103,105", "--k", "5")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("sasrec: top 5")
    assert lines[1].split() == ["#", "item_id", "score", "title"]
    rows = lines[2:]
    assert len(rows) == 5
    assert all(r.split()[1] not in {"101", "103", "105"} for r in rows)
    assert any("Product" in r for r in rows)


def test_json_has_dataset_ids_titles_and_scores(cli, sasrec_run: Path) -> None:
    status, out, _ = cli("recommend", str(sasrec_run), "--history", "101, 103", "--json")
    assert status == 0
    rec = json.loads(out)
    assert rec["model"] == "sasrec" and rec["source"] == "model"
    assert len(rec["items"]) == 10
    ids = [it["item_id"] for it in rec["items"]]
    assert all(101 <= int(i) <= 140 for i in ids) and not {"101", "103"} & set(ids)
    scores = [it["score"] for it in rec["items"]]
    assert scores == sorted(scores, reverse=True)
    assert all(it["title"].startswith("Product") or it["item_id"] == "108" for it in rec["items"])


def test_unknown_ids_exit_2_listing_them(cli, sasrec_run: Path) -> None:
    status, out, err = cli("recommend", str(sasrec_run), "--history", "101,999,abc")
    assert status == EXIT_USER_ERROR and out == ""
    assert err.strip() == "galrec: error: unknown item id(s): 999, abc"


def test_empty_history_is_the_labelled_popularity_fallback(cli, sasrec_run: Path) -> None:
    status, out, _ = cli("recommend", str(sasrec_run), "--history", "", "--k", "3")
    assert status == 0
    assert out.splitlines()[0].startswith("popularity fallback (empty history)")
    status, out, _ = cli("recommend", str(sasrec_run), "--history", "", "--json")
    assert json.loads(out)["source"] == "popularity-fallback"


def test_user_uses_the_whole_known_sequence(cli, sasrec_run: Path, tiny_dataset: Path) -> None:
    first = (tiny_dataset / "interactions.txt").read_text().splitlines()[0].split()
    status, out, _ = cli("recommend", str(sasrec_run), "--user", first[0], "--k", "20", "--json")
    assert status == 0
    assert not set(first[1:]) & {it["item_id"] for it in json.loads(out)["items"]}


def test_unknown_user_and_bad_k_and_missing_run(cli, sasrec_run: Path, tmp_path: Path) -> None:
    status, _, err = cli("recommend", str(sasrec_run), "--user", "nobody")
    assert status == EXIT_USER_ERROR and "unknown user id: nobody" in err
    status, _, err = cli("recommend", str(sasrec_run), "--history", "101", "--k", "0")
    assert status == EXIT_USER_ERROR and "--k must be >= 1" in err
    status, _, err = cli("recommend", str(tmp_path / "missing"), "--history", "101")
    assert status == EXIT_USER_ERROR and "does not exist" in err
