"""The HTTP app through FastAPI's test client: every endpoint, and bad input that must stay 4xx."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from galrec.serve.app import create_app
from galrec.serve.loading import LoadedRun
from galrec.serve.recommend import recommend_history
from galrec.serve.schemas import MAX_BATCH, MAX_BODY_BYTES, MAX_HISTORY


@pytest.fixture(scope="module")
def client(loaded: LoadedRun) -> Iterator[TestClient]:
    with TestClient(create_app(loaded)) as c:  # "with" runs the lifespan: the batcher starts
        yield c


def test_recommend_matches_the_library(client: TestClient, loaded: LoadedRun) -> None:
    r = client.post("/recommend", json={"history": ["101", 103], "k": 4})
    assert r.status_code == 200
    body = r.json()
    expected = recommend_history(loaded, ["101", "103"], 4)
    assert body["model"] == "sasrec" and body["source"] == "model"
    assert [it["item_id"] for it in body["items"]] == [it.item_id for it in expected.items]
    assert [it["title"] for it in body["items"]] == [it.title for it in expected.items]
    assert body["items"][0]["score"] == pytest.approx(expected.items[0].score, rel=1e-5)


def test_recommend_default_k_and_fallback(client: TestClient) -> None:
    assert len(client.post("/recommend", json={"history": [101]}).json()["items"]) == 10
    body = client.post("/recommend", json={"history": []}).json()
    assert body["source"] == "popularity-fallback" and len(body["items"]) == 10


def test_batch_answers_each_history_in_order(client: TestClient) -> None:
    histories = [[101], [], ["110", 111, 112]]
    r = client.post("/recommend/batch", json={"histories": histories, "k": 3})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [res["source"] for res in results] == ["model", "popularity-fallback", "model"]
    for h, res in zip(histories, results):
        single = client.post("/recommend", json={"history": h, "k": 3}).json()
        assert [it["item_id"] for it in res["items"]] == [it["item_id"] for it in single["items"]]


def test_items_health_and_docs(client: TestClient, loaded: LoadedRun) -> None:
    item = client.get("/items/102").json()
    assert item["title"].startswith("Product 102") and item["categories"] == "Tiny > Things"
    assert item["train_interactions"] == int(loaded.popularity[loaded.data.items.index(["102"])[0]])
    assert client.get("/items/999").status_code == 404
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["model"] == "sasrec" and health["items"] == 40
    assert client.get("/docs").status_code == 200
    assert "/recommend/batch" in client.get("/openapi.json").json()["paths"]


def test_unknown_ids_are_listed(client: TestClient) -> None:
    r = client.post("/recommend", json={"history": [101, "nope", 999]})
    assert r.status_code == 422 and r.json()["detail"] == "unknown item id(s): nope, 999"
    r = client.post("/recommend/batch", json={"histories": [[101], ["nope"]]})
    assert r.status_code == 422 and r.json()["detail"] == "histories[1]: unknown item id(s): nope"


BAD_BODIES: list[tuple[str, bytes]] = [
    ("/recommend", b""),
    ("/recommend", b"{"),
    ("/recommend", b"not json"),
    ("/recommend", b"[]"),
    ("/recommend", b"null"),
    ("/recommend", b'"history"'),
    ("/recommend", b'{"history": [101,'),
    ("/recommend", b"[" * 50_000 + b"]" * 50_000),
    ("/recommend", b'{"history": [1e999]}'),
    ("/recommend", b'{"history": [NaN]}'),
    ("/recommend", b'{"history": [' + b"9" * 5000 + b"]}"),
    ("/recommend", b'{"history": ["\xff\xfe"]}'),
    ("/recommend", b'{"history": ["\\ud800"]}'),
    ("/recommend", b'{"history": ["\\u0000"]}'),
    ("/recommend/batch", b'{"histories": [[101], '),
    ("/recommend", b" " * (MAX_BODY_BYTES + 1)),
]

BAD_JSON: list[tuple[str, object]] = [
    ("/recommend", {}),
    ("/recommend", {"history": None}),
    ("/recommend", {"history": "101"}),
    ("/recommend", {"history": 101}),
    ("/recommend", {"history": [[101]]}),
    ("/recommend", {"history": [{"id": 101}]}),
    ("/recommend", {"history": [True]}),
    ("/recommend", {"history": [1.5]}),
    ("/recommend", {"history": [None]}),
    ("/recommend", {"history": [-1]}),
    ("/recommend", {"history": ["x" * 65]}),
    ("/recommend", {"history": [101] * (MAX_HISTORY + 1)}),
    ("/recommend", {"history": [101], "k": 0}),
    ("/recommend", {"history": [101], "k": 101}),
    ("/recommend", {"history": [101], "k": -5}),
    ("/recommend", {"history": [101], "k": "10"}),
    ("/recommend", {"history": [101], "k": 10.5}),
    ("/recommend", {"history": [101], "k": True}),
    ("/recommend", {"history": [101], "k": None}),
    ("/recommend", {"history": [101], "k": 10**30}),
    ("/recommend", {"history": [101], "extra": 1}),
    ("/recommend", {"histories": [[101]]}),
    ("/recommend", ["history", 101]),
    ("/recommend/batch", {}),
    ("/recommend/batch", {"histories": []}),
    ("/recommend/batch", {"histories": [101]}),
    ("/recommend/batch", {"histories": "101"}),
    ("/recommend/batch", {"histories": [[101]] * (MAX_BATCH + 1)}),
    ("/recommend/batch", {"histories": [[101], [True]]}),
    ("/recommend/batch", {"histories": [[101]], "k": 0}),
    ("/recommend/batch", {"history": [101]}),
]


def _assert_client_error(r, what: str) -> None:
    assert 400 <= r.status_code < 500, f"{what}: status {r.status_code}: {r.text[:200]}"
    is_json = r.headers.get("content-type", "").startswith("application/json")
    detail = r.json().get("detail") if is_json else r.text  # 413 comes from Starlette as text
    assert detail, f"{what}: no error message"


@pytest.mark.parametrize(("path", "body"), BAD_BODIES, ids=[f"raw{j}" for j in range(len(BAD_BODIES))])
def test_malformed_bodies_are_4xx(client: TestClient, path: str, body: bytes) -> None:
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    _assert_client_error(r, repr(body[:60]))


@pytest.mark.parametrize(("path", "payload"), BAD_JSON, ids=[f"json{j}" for j in range(len(BAD_JSON))])
def test_invalid_payloads_are_4xx(client: TestClient, path: str, payload: object) -> None:
    r = client.post(path, content=json.dumps(payload), headers={"content-type": "application/json"})
    _assert_client_error(r, json.dumps(payload)[:80])


def test_wrong_methods_paths_and_content_types_are_4xx(client: TestClient) -> None:
    _assert_client_error(client.get("/recommend"), "GET /recommend")
    _assert_client_error(client.post("/nowhere", json={}), "POST /nowhere")
    _assert_client_error(client.get("/items/%FF%FE"), "undecodable item id")
    _assert_client_error(client.get("/items/" + "9" * 5000), "long item id")
    r = client.post("/recommend", content=b'{"history": [101]}', headers={"content-type": "text/plain"})
    assert r.status_code < 500
    r = client.post("/recommend", content=b'{"history": [101]}', headers={"content-length": "abc"})
    assert r.status_code < 500


def _random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -1, 1, 10, 100, 101, 140, 2**63, -(2**70)])
    if kind == 2:
        return rng.choice([0.5, -0.0, 1e308, 101.0])
    if kind == 3:
        return "".join(rng.choice('101x \t\n\u00e9\u2603"\\') for _ in range(rng.randrange(0, 80)))
    if kind == 4:
        return str(rng.randrange(90, 150))
    if kind == 5:
        return ""
    if kind in (6, 7):
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 6))]
    return {rng.choice(["history", "histories", "k", "x"]): _random_value(rng, depth + 1) for _ in range(3)}


def test_random_payloads_never_give_5xx(client: TestClient) -> None:
    """Seeded random bodies around the real schema: any answer but a server error."""
    rng = random.Random(0)
    seen: set[int] = set()
    for j in range(300):
        payload = {
            key: _random_value(rng)
            for key in rng.sample(["history", "histories", "k", "x"], rng.randrange(0, 3))
        }
        path = rng.choice(["/recommend", "/recommend/batch"])
        r = client.post(path, content=json.dumps(payload), headers={"content-type": "application/json"})
        assert r.status_code < 500, f"payload {j} {payload!r} to {path}: {r.status_code} {r.text[:200]}"
        seen.add(r.status_code)
    assert 422 in seen
