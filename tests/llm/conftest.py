"""A tiny dataset on disk, its graph, and the tiny-random backbone's tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from galrec.data.dataset import Interactions
from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph
from galrec.llm.backbone import load_tokenizer

SEQUENCES = {
    "u1": ["i1", "i2", "i3", "i4", "i5"],
    "u2": ["i2", "i3", "i6", "i7"],
    "u3": ["i1", "i3", "i4", "i6", "i8", "i2", "i5"],
    "u4": ["i5", "i6", "i7", "i8"],
    "u5": ["i1", "i4", "i7", "i2", "i3"],
    "u6": ["i2", "i5", "i8", "i1"],
}
TITLES = {
    "i1": "Matte red lipstick with a very long name that goes on and on",
    "i2": "Rose hand cream",
    "i3": "Nail polish, coral",
    "i4": "Shampoo",
    "i5": "Eyeliner pencil black",
    "i6": "Face mask",
    "i7": "Hair oil",
    "i8": "",  # untitled
}


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    lines = [" ".join([u, *items]) for u, items in SEQUENCES.items()]
    (folder / "interactions.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = ["item_id\ttitle\tcategories"] + [f"{i}\t{t}\tBeauty" for i, t in TITLES.items()]
    (folder / "items.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def data(tiny_dir: Path) -> Interactions:
    return load_dataset(str(tiny_dir))


@pytest.fixture(scope="session")
def loo(data: Interactions) -> LeaveOneOut:
    return LeaveOneOut.from_interactions(data)


@pytest.fixture(scope="session")
def graph(loo: LeaveOneOut, data: Interactions) -> BipartiteGraph:
    return BipartiteGraph.from_sequences(loo.train, data.n_items)


@pytest.fixture(scope="session")
def tokenizer():
    return load_tokenizer("tiny-random")
