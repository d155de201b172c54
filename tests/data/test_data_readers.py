"""Each reader on tiny files written into tmp_path, and the path resolution between them."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from galrec.data.idmap import IdMap
from galrec.data.load import load_dataset


def rows_of(data) -> dict[str, list[str]]:
    """Raw user id -> raw item ids in time order: what a reader must preserve."""
    return {
        data.users.raw[u - 1]: data.items.to_raw(data.sequences.row(u)) for u in range(1, data.n_users + 1)
    }


def test_s3rec_folder_with_titles(tmp_path):
    (tmp_path / "interactions.txt").write_text("1 5 6 7\n2 6 8 5 9\n", encoding="utf-8")
    (tmp_path / "items.tsv").write_text(
        'item_id\ttitle\tcategories\tsource_id\n5\tA "quoted" title\tBeauty > Nails\tB1\n9\t\t\t\n',
        encoding="utf-8",
    )
    data = load_dataset(str(tmp_path))
    assert data.name == tmp_path.name
    assert rows_of(data) == {"1": ["5", "6", "7"], "2": ["6", "8", "5", "9"]}
    assert data.items.raw == ["5", "6", "7", "8", "9"]  # first appearance
    assert data.titles[1] == 'A "quoted" title' and data.categories[1] == "Beauty > Nails"
    assert data.stats() == {"users": 2, "items": 5, "interactions": 7, "avg_length": 3.5, "items_with_title": 1}


def test_s3rec_txt_file_canonicalises_ids(tmp_path):
    path = tmp_path / "Beauty.txt"
    path.write_text("01 3 2 003\n\n2 2 3 4", encoding="utf-8")  # blank line, no final newline
    data = load_dataset(str(path))
    assert data.name == "Beauty"
    assert rows_of(data) == {"1": ["3", "2", "3"], "2": ["2", "3", "4"]}


def test_s3rec_ten_megabyte_line_parses(tmp_path):
    items = " ".join(str(100_000_001 + i % 1000) for i in range(1_000_000))  # 10 MB on one line
    (tmp_path / "interactions.txt").write_text("1 " + items, encoding="utf-8")
    data = load_dataset(str(tmp_path))
    assert data.n_items == 1000 and data.n_interactions == 1_000_000


def test_atomic_sorts_by_time_and_ignores_extra_columns(tmp_path):
    folder = tmp_path / "ml"
    folder.mkdir()
    (folder / "ml.inter").write_text(
        "rating:float\ttimestamp:float\titem_id:token\tuser_id:token\n"
        "5\t30\tb\tu1\n"
        "4\t10\ta\tu1\n"
        "3\t20\tc\tu1\n"
        "2\t20\td\tu1\n"  # same time as c: the file order decides
        "1\t1.5\ta\tu2\n1\t1e3\tc\tu2\n1\t2\tb\tu2\n",
        encoding="utf-8",
    )
    (folder / "ml.item").write_text("item_id:token\tmovie_title:token_seq\tgenre:token_seq\nc\tThe C\tx y\n")
    data = load_dataset(str(folder))
    assert rows_of(data) == {"u1": ["a", "c", "d", "b"], "u2": ["a", "b", "c"]}
    assert data.items.raw == ["b", "a", "c", "d"]  # first appearance in the file
    assert data.titles[data.items.index(["c"])[0]] == "The C"
    assert load_dataset(str(folder / "ml.inter")).stats() == data.stats()


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_csv_and_tsv(tmp_path, delimiter):
    path = tmp_path / "log.csv"
    lines = [["User", "item", "timestamp"], ["x", "10", "3"], ["x", "11", "1"], ["x", "12", "2"]]
    path.write_text("\n".join(delimiter.join(r) for r in lines) + "\n", encoding="utf-8")
    assert rows_of(load_dataset(str(path))) == {"x": ["11", "12", "10"]}


def test_csv_quoted_ids_and_no_timestamp(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('user_id,item_id\n"a, b",i1\n"a, b",i2\n"a, b",i1\n', encoding="utf-8")
    assert rows_of(load_dataset(str(path))) == {"a, b": ["i1", "i2", "i1"]}


def test_short_users_dropped_with_one_counted_warning(tmp_path, caplog):
    path = tmp_path / "log.tsv"
    path.write_text("user\titem\nu1\ta\nu1\tb\nu1\tc\nu2\tz\nu3\tz\nu3\ty\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="galrec.data"):
        data = load_dataset(str(path))
    assert [r.getMessage() for r in caplog.records] == [
        "log: dropped 2 users with fewer than 3 interactions (3 interactions)"
    ]
    assert data.users.raw == ["u1"] and data.items.raw == ["a", "b", "c"]  # z, y left with them


def test_unknown_titles_ignored_with_one_counted_warning(tmp_path, caplog):
    (tmp_path / "interactions.txt").write_text("1 1 2 3\n", encoding="utf-8")
    (tmp_path / "items.tsv").write_text("item_id\ttitle\n1\tOne\n7\tSeven\n8\tEight\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="galrec.data"):
        data = load_dataset(str(tmp_path))
    assert data.titles == ["", "One", "", ""]
    assert len(caplog.records) == 1 and "ignored 2 rows" in caplog.records[0].getMessage()


def test_id_map_round_trip(tmp_path):
    ids = IdMap(["b7", "42", "a b", "ü"], "item")
    ids.save(tmp_path / "items.json")
    loaded = IdMap.load(tmp_path / "items.json")
    assert loaded == ids and loaded.kind == "item"
    internal = loaded.index(["ü", "b7"])
    assert internal.tolist() == [4, 1]
    assert loaded.to_raw(internal) == ["ü", "b7"]


def test_name_resolves_under_data_dir(tmp_path, monkeypatch, cli):
    (tmp_path / "mini").mkdir()
    (tmp_path / "mini" / "interactions.txt").write_text("1 1 2 3\n2 3 2 1\n", encoding="utf-8")
    monkeypatch.setenv("GALREC_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path / "mini")  # "mini" is not a path from here
    status, out, _ = cli("data", "stats", "mini")
    assert status == 0
    assert json.loads(out) == {"users": 2, "items": 3, "interactions": 6, "avg_length": 3.0, "items_with_title": 0}


def test_sequences_are_csr_with_padding_row(tmp_path):
    (tmp_path / "interactions.txt").write_text("1 1 2 3\n2 3 2 1 4\n", encoding="utf-8")
    seqs = load_dataset(str(tmp_path)).sequences
    assert seqs.indptr.tolist() == [0, 0, 3, 7]
    assert np.array_equal(seqs.items, [1, 2, 3, 3, 2, 1, 4])
