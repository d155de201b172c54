"""A tiny dataset on disk, its graph, and the tiny-random backbone's tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from galrec.data.dataset import Interactions
from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph
from galrec.llm.backbone import load_tokenizer

# Raw ids differ from internal ones (users 101.., items 11..), so tests catch a mix-up.
SEQUENCES = {
    "101": ["11", "12", "13", "14", "15"],
    "102": ["12", "13", "16", "17"],
    "103": ["11", "13", "14", "16", "18", "12", "15"],
    "104": ["15", "16", "17", "18"],
    "105": ["11", "14", "17", "12", "13"],
    "106": ["12", "15", "18", "11"],
}
TITLES = {
    "11": "Matte red lipstick with a very long name that goes on and on",
    "12": "Rose hand cream",
    "13": "Nail polish, coral",
    "14": "Shampoo",
    "15": "Eyeliner pencil black",
    "16": "Face mask",
    "17": "Hair oil",
    "18": "",  # untitled
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
