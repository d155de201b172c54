"""Category colours for the item maps, and that every figure is written as a PNG."""

from __future__ import annotations

import json

import numpy as np

from galrec.experiments import plots
from galrec.experiments.maps import MAX_COLOURS, OTHER, UNKNOWN, category_labels, map_items, tsne_2d

PNG = b"\x89PNG\r\n\x1a\n"


def test_hierarchy_skips_the_constant_first_level() -> None:
    cats = ["", "Beauty > Makeup > Nails", "Beauty > Skin Care > Face", "Beauty > Makeup > Lips", "Beauty"]
    assert category_labels(cats) == [UNKNOWN, "Makeup", "Skin Care", "Makeup", "Beauty"]


def test_tag_lists_use_a_tag_most_items_do_not_share() -> None:
    cats = ["", "Restaurants, Pizza", "Pizza, Restaurants, Bars", "Restaurants, Mexican", "Gyms, Active Life",
            "Restaurants, Sushi", "Restaurants", "Bars, Nightlife"]
    labels = category_labels(cats)  # Restaurants: 5 of 7 items, too common to tell them apart
    assert labels[:4] == [UNKNOWN, "Pizza", "Pizza", "Mexican"] and labels[5:] == ["Sushi", "Restaurants", "Bars"]
    assert labels[4] == "Gyms"  # a tie on frequency goes to the later name, deterministically


def test_only_the_commonest_categories_get_colours() -> None:
    cats = [""] + [f"Shop > Dept{j}" for j in range(MAX_COLOURS + 3) for _ in range(MAX_COLOURS + 3 - j)]
    labels = category_labels(cats)
    assert len(set(labels) - {UNKNOWN, OTHER}) == MAX_COLOURS and labels.count(OTHER) == 3 + 2 + 1
    items = map_items(len(cats) - 1, labels, n=10, seed=0)
    assert len(items) == 10 and 0 not in items and np.array_equal(items, map_items(len(cats) - 1, labels, 10, 0))


def test_figures_are_png_files(tmp_path) -> None:
    log = tmp_path / "train_log.jsonl"
    records = [{"step": s, "epoch": 1, "loss": 5 - s / 10, "l0": 4.0, "l1": 1.0, "l2": 0.5, "l3": 0.2} for s in range(1, 40)]
    records.append({"step": 39, "epoch": 1, "valid_ndcg@10": 0.02})
    log.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    rng = np.random.default_rng(0)
    xy = tsne_2d(rng.normal(size=(20, 8)))
    assert xy.shape == (20, 2)
    written = [
        plots.training_curves({"a": log, "b": log}, tmp_path / "curves.png"),
        plots.sensitivity({"loss.l1": [{"value": "0", "valid": 0.01, "test": 0.02},
                                       {"value": "0.1", "valid": None, "test": 0.03}]}, tmp_path / "sens.png"),
        plots.item_maps({"x": xy, "y": xy[::-1]}, ["a", "b"] * 10, tmp_path / "map.png"),
    ]
    for path in written:
        assert path.read_bytes()[:8] == PNG


def test_smooth_is_a_trailing_mean() -> None:
    assert np.allclose(plots.smooth(np.array([1.0, 3.0, 5.0, 7.0]), 2), [1.0, 2.0, 4.0, 6.0])
