"""MicroBatcher: concurrent requests share one scoring call, each keeps its own k and order."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from galrec.serve.batching import MicroBatcher
from galrec.serve.recommend import Recommendation, RecommendedItem


def _fake_score(calls: list[int]):
    def score_many(histories: list[np.ndarray], k: int) -> list[Recommendation]:
        calls.append(len(histories))
        # the "recommendations" of a history are its first item + 1, + 2, …: easy to check
        return [
            Recommendation(
                [RecommendedItem(str(int(h[0]) + j), "", float(-j)) for j in range(1, k + 1)], "fake", "model"
            )
            for h in histories
        ]

    return score_many


def test_waiting_requests_are_scored_together() -> None:
    calls: list[int] = []

    async def scenario() -> list[list[Recommendation]]:
        batcher = MicroBatcher(_fake_score(calls))
        await batcher.start()
        jobs = [batcher.submit([np.array([10 * j])], k=1 + j % 3) for j in range(20)]
        jobs.append(batcher.submit([np.array([500]), np.array([600])], k=2))
        out = await asyncio.gather(*jobs)
        await batcher.stop()
        return out

    results = asyncio.run(scenario())
    assert sum(calls) == 22 and len(calls) < 21, f"no batching: {calls}"
    for j, recs in enumerate(results[:20]):
        assert [it.item_id for it in recs[0].items] == [str(10 * j + d) for d in range(1, 2 + j % 3)]
    assert [[it.item_id for it in r.items] for r in results[20]] == [["501", "502"], ["601", "602"]]


def test_a_scoring_error_fails_only_that_batch() -> None:
    def broken(histories: list[np.ndarray], k: int) -> list[Recommendation]:
        if len(histories[0]) == 0:
            raise RuntimeError("model exploded")
        return _fake_score([])(histories, k)

    async def scenario() -> None:
        batcher = MicroBatcher(broken)
        await batcher.start()
        with pytest.raises(RuntimeError, match="exploded"):
            await batcher.submit([np.array([], dtype=np.int64)], k=1)
        (rec,) = await batcher.submit([np.array([7])], k=1)
        assert rec.items[0].item_id == "8"
        await batcher.stop()

    asyncio.run(scenario())
