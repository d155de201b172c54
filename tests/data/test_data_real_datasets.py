"""``galrec data stats`` on the paper's three datasets gives the counts in their README."""

from __future__ import annotations

import json

import pytest

from galrec.paths import data_dir

EXPECTED = {
    "beauty": {"users": 22363, "items": 12101, "interactions": 198502, "items_with_title": 12094},
    "toys": {"users": 19412, "items": 11924, "interactions": 167597, "items_with_title": 11865},
    "yelp": {"users": 30431, "items": 20033, "interactions": 316354, "items_with_title": 20033},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_stats_match_the_readme(name, cli):
    base = data_dir()
    if base is None or not (base / name).is_dir():
        pytest.skip(f"dataset folder {name} is not here")
    status, out, _ = cli("data", "stats", str(base / name))
    stats = json.loads(out)
    assert status == 0
    assert {k: stats[k] for k in EXPECTED[name]} == EXPECTED[name]
    assert stats["avg_length"] == round(stats["interactions"] / stats["users"], 4)
