"""The bad-input corpus: every reader fed malformed files through the CLI.

Each case must end with exit status 2 and one line on stderr that names the file, the line
(where there is one) and the problem; no traceback, and nothing written next to the input.
"""

from __future__ import annotations

import pytest

TEN_MB = 10 * 1024 * 1024
CSV_HEADER = b"user,item,timestamp\n"
INTER_HEADER = b"user_id:token\titem_id:token\ttimestamp:float\n"
GOOD_ITEMS = b"item_id\ttitle\tcategories\tsource_id\n1\tOne\tA\tB1\n"

# (id, files to write, file named in the message, fragments the message must hold)
CASES = [
    # S3-Rec: a folder with interactions.txt (+ items.tsv)
    ("s3rec-truncated", {"interactions.txt": b"1 1 2 3\n2 4 5 6\n3"}, "interactions.txt", ["line 3", "no items"]),
    ("s3rec-wrong-delimiter", {"interactions.txt": b"1,1,2,3\n"}, "interactions.txt", ["line 1", "not an integer"]),
    ("s3rec-non-utf8", {"interactions.txt": b"1 1 2 3\n2 4 \xff 6\n"}, "interactions.txt", ["line 2", "not UTF-8"]),
    ("s3rec-non-integer", {"interactions.txt": b"1 1 2 3\n2 4 five 6\n"}, "interactions.txt",
     ["line 2", "'five' is not an integer"]),
    ("s3rec-negative", {"interactions.txt": b"1 1 2 3\n2 4 -5 6\n"}, "interactions.txt", ["line 2", "negative"]),
    ("s3rec-zero", {"interactions.txt": b"1 1 0 3\n"}, "interactions.txt", ["line 1", "reserved for padding"]),
    ("s3rec-header", {"interactions.txt": b"user_id item_ids\n1 1 2 3\n"}, "interactions.txt",
     ["line 1", "not an integer"]),
    ("s3rec-user-twice", {"interactions.txt": b"1 1 2 3\n1 4 5 6\n"}, "interactions.txt",
     ["line 2", "already has a line (line 1)"]),
    ("s3rec-0-byte", {"interactions.txt": b""}, "interactions.txt", ["empty (0 bytes)"]),
    ("s3rec-10mb-line", {"interactions.txt": b"x" * TEN_MB}, "interactions.txt", ["line 1", "not an integer"]),
    ("s3rec-missing", {"items.tsv": GOOD_ITEMS}, "", ["no interactions.txt"]),
    ("items-duplicated-header", {"interactions.txt": b"1 1 2 3\n", "items.tsv": GOOD_ITEMS + GOOD_ITEMS},
     "items.tsv", ["line 3", "header is repeated"]),
    ("items-column-count", {"interactions.txt": b"1 1 2 3\n", "items.tsv": GOOD_ITEMS + b"2\tTwo\n"},
     "items.tsv", ["line 3", "2 fields, expected 4"]),
    ("items-non-integer", {"interactions.txt": b"1 1 2 3\n", "items.tsv": GOOD_ITEMS + b"B2\tT\t\t\n"},
     "items.tsv", ["line 3", "'B2' is not an integer"]),
    ("items-non-utf8", {"interactions.txt": b"1 1 2 3\n", "items.tsv": GOOD_ITEMS + b"2\tT\xe9\t\t\n"},
     "items.tsv", ["line 3", "not UTF-8"]),
    ("items-0-byte", {"interactions.txt": b"1 1 2 3\n", "items.tsv": b""}, "items.tsv", ["empty (0 bytes)"]),
    # RecBole atomic: a folder with NAME.inter
    ("atomic-truncated", {"d.inter": INTER_HEADER + b"u\ti\t1\nu\ti"}, "d.inter", ["line 3", "2 fields, expected 3"]),
    ("atomic-wrong-delimiter", {"d.inter": INTER_HEADER.replace(b"\t", b",") + b"u,i,1\n"}, "d.inter",
     ["line 1", "no item_id column", "tab-separated"]),
    ("atomic-non-utf8", {"d.inter": INTER_HEADER + b"u\ti\t1\nu\t\xc3\x28\t2\n"}, "d.inter", ["line 3", "not UTF-8"]),
    ("atomic-duplicated-header", {"d.inter": INTER_HEADER + b"u\ti\t1\n" + INTER_HEADER}, "d.inter",
     ["line 3", "header is repeated"]),
    ("atomic-duplicated-column", {"d.inter": b"user_id:token\titem_id:token\titem_id:token\nu\ti\tj\n"},
     "d.inter", ["line 1", "'item_id' appears twice"]),
    ("atomic-0-byte", {"d.inter": b""}, "d.inter", ["empty (0 bytes)"]),
    ("atomic-10mb-line", {"d.inter": INTER_HEADER + b"u\ti\t" + b"1" * TEN_MB}, "d.inter",
     ["line 2", "field larger than field limit"]),
    ("atomic-text-timestamp", {"d.inter": INTER_HEADER + b"u\ti\t1\nu\tj\tyesterday\n"}, "d.inter",
     ["line 3", "timestamp 'yesterday' is not a finite number"]),
    ("atomic-item-column-count", {"d.inter": INTER_HEADER + b"u\ti\t1\n", "d.item": b"item_id:token\ttitle:token_seq\ni\n"},
     "d.item", ["line 2", "1 fields, expected 2"]),
    # plain CSV/TSV: a single file
    ("csv-truncated", {"log.csv": CSV_HEADER + b"u,i,1\nu,i"}, "log.csv", ["line 3", "2 fields, expected 3"]),
    ("csv-wrong-delimiter", {"log.csv": b"user;item;timestamp\nu;i;1\n"}, "log.csv",
     ["line 1", "no user or user_id column", "comma or a tab"]),
    ("csv-column-count", {"log.csv": CSV_HEADER + b"u,i,1,extra\n"}, "log.csv", ["line 2", "4 fields, expected 3"]),
    ("csv-non-utf8", {"log.csv": CSV_HEADER + b"u,i,1\n\x80,i,2\n"}, "log.csv", ["line 3", "not UTF-8"]),
    ("csv-duplicated-header", {"log.csv": CSV_HEADER + b"u,i,1\n" + CSV_HEADER}, "log.csv",
     ["line 3", "header is repeated"]),
    ("csv-0-byte", {"log.csv": b""}, "log.csv", ["empty (0 bytes)"]),
    ("csv-blank-only", {"log.csv": b"\n \n"}, "log.csv", ["no header line"]),
    ("csv-header-only", {"log.csv": CSV_HEADER}, "log.csv", ["no interactions"]),
    ("csv-10mb-line", {"log.csv": b"y" * TEN_MB}, "log.csv", ["line 1", "field larger than field limit"]),
    ("csv-text-timestamp", {"log.csv": CSV_HEADER + b"u,i,1\nu,j,nan\n"}, "log.csv", ["line 3", "'nan'"]),
    ("csv-empty-id", {"log.csv": CSV_HEADER + b"u,,1\n"}, "log.csv", ["line 2", "item id is empty"]),
    ("tsv-wrong-columns", {"log.tsv": b"uid\tiid\n1\t2\n"}, "log.tsv", ["line 1", "no user or user_id column", "'uid'"]),
]


@pytest.mark.parametrize(("files", "named", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_exit_2(tmp_path, cli, files, named, fragments):
    folder = tmp_path / "ds"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    target = folder / "log.csv" if "log.csv" in files else folder / "log.tsv" if "log.tsv" in files else folder
    before = sorted(tmp_path.rglob("*"))

    status, out, err = cli("data", "stats", str(target))

    assert status == 2 and out == ""
    assert err.startswith("galrec: error: ") and err.count("\n") == 1 and len(err) < 400, err
    assert str(folder / named) in err, err
    for fragment in fragments:
        assert fragment in err, err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_missing_path_names_it(tmp_path, cli):
    status, _, err = cli("data", "stats", str(tmp_path / "nowhere.csv"))
    assert status == 2 and err.count("\n") == 1 and "nowhere.csv" in err
