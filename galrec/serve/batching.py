"""Score concurrent requests together: one matrix product for every history that is waiting.

Requests go into an asyncio queue. A single worker takes the first one, then everything else
already queued (up to ``max_histories``), and scores the lot in a worker thread, so the event loop
keeps accepting requests meanwhile. Under load the queue fills while a batch is scored and the
next batch is larger; an idle server adds no waiting time to a lone request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from galrec.serve.recommend import Recommendation

ScoreMany = Callable[[list[np.ndarray], int], list[Recommendation]]


@dataclass
class _Job:
    histories: list[np.ndarray]
    k: int
    future: asyncio.Future[list[Recommendation]]


class MicroBatcher:
    def __init__(self, score_many: ScoreMany, max_histories: int = 512) -> None:
        self.score_many = score_many
        self.max_histories = max_histories
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # scored batches and histories, for /health and the load benchmark
        self.histories = 0

    async def start(self) -> None:
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def submit(self, histories: list[np.ndarray], k: int) -> list[Recommendation]:
        if self._worker is None:
            raise RuntimeError("MicroBatcher.submit before start()")
        future: asyncio.Future[list[Recommendation]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(histories, k, future))
        return await future

    def _take_waiting(self, first: _Job) -> list[_Job]:
        jobs, n = [first], len(first.histories)
        while n < self.max_histories and not self._queue.empty():
            job = self._queue.get_nowait()
            jobs.append(job)
            n += len(job.histories)
        return jobs

    async def _run(self) -> None:
        while True:
            jobs = self._take_waiting(await self._queue.get())
            histories = [h for job in jobs for h in job.histories]
            k = max(job.k for job in jobs)  # each job keeps its own top-k prefix of the ranking
            try:
                recs = await asyncio.to_thread(self.score_many, histories, k)
            except Exception as exc:  # noqa: BLE001 - a scoring bug fails these requests, not the server
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            self.batches += 1
            self.histories += len(histories)
            start = 0
            for job in jobs:
                mine = recs[start : start + len(job.histories)]
                start += len(job.histories)
                for rec in mine:
                    rec.items = rec.items[: job.k]
                if not job.future.done():  # the client may have gone away
                    job.future.set_result(mine)
