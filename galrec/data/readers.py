"""Readers that turn files into ``Interactions``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences


def read_s3rec(folder: Path) -> Interactions:
    """``interactions.txt`` (``user item item …`` per line) plus optional ``items.tsv``."""
    users, rows, item_raw, item_index = [], [], [], {}
    with open(folder / "interactions.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                continue
            users.append(parts[0])
            row = []
            for it in parts[1:]:
                idx = item_index.get(it)
                if idx is None:
                    idx = item_index[it] = len(item_raw) + 1
                    item_raw.append(it)
                row.append(idx)
            rows.append(np.array(row, dtype=np.int64))
    seqs = Sequences.from_lists([np.zeros(0, np.int64), *rows])
    items = IdMap(item_raw, "item")
    titles = [""] * (len(items) + 1)
    cats = [""] * (len(items) + 1)
    tsv = folder / "items.tsv"
    if tsv.exists():
        with open(tsv, encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                idx = item_index.get(rec["item_id"])
                if idx:
                    titles[idx] = rec.get("title") or ""
                    cats[idx] = rec.get("categories") or ""
    return Interactions(folder.name, IdMap(users, "user"), items, seqs, titles, cats)
