"""The HTTP service: a FastAPI app around one loaded run (``galrec serve`` runs it with uvicorn).

Every client mistake is a 4xx with a message: 413 (Starlette's plain text) for a body over
``MAX_BODY_BYTES``; otherwise JSON whose ``detail`` is one readable line: 400 for a body JSON
cannot parse at all (nesting too deep, numbers too long), 404 for an unknown item in a path, 405
for a wrong method, 422 for the rest (malformed JSON, wrong types, limits, unknown item ids).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from galrec.errors import GalrecError
from galrec.serve.batching import MicroBatcher
from galrec.serve.loading import LoadedRun
from galrec.serve.recommend import parse_history, recommend_internal
from galrec.serve.schemas import (
    MAX_BODY_BYTES,
    BatchRequest,
    BatchResponse,
    Health,
    ItemInfo,
    RecommendRequest,
    RecommendResponse,
)


def _validation_detail(exc: RequestValidationError) -> str:
    """Pydantic's error list as one line: ``body.history.3: Input should be a valid string``."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            msg += f" ({(err.get('ctx') or {}).get('error', '')})"
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts[:5]) + (f"; … {len(parts) - 5} more" if len(parts) > 5 else "")


def _parse(run: LoadedRun, history: list[str], where: str = "") -> np.ndarray:
    try:
        return parse_history(run, history)
    except GalrecError as exc:
        raise HTTPException(422, f"{where}{exc}") from None


def create_app(run: LoadedRun) -> FastAPI:
    batcher = MicroBatcher(lambda histories, k: recommend_internal(run, histories, k))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(
        title="galrec",
        summary=f"Top-K recommendations from the {run.model_name} run in {run.run_dir}",
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,  # 413 beyond it, chunked bodies included
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)

    @app.post("/recommend", response_model=RecommendResponse)
    async def recommend(req: RecommendRequest) -> dict:
        (rec,) = await batcher.submit([_parse(run, req.history)], req.k)
        return rec.to_dict()

    @app.post("/recommend/batch", response_model=BatchResponse)
    async def recommend_batch(req: BatchRequest) -> dict:
        histories = [_parse(run, h, f"histories[{j}]: ") for j, h in enumerate(req.histories)]
        recs = await batcher.submit(histories, req.k)
        return {"results": [r.to_dict() for r in recs]}

    @app.get("/items/{item_id}", response_model=ItemInfo)
    async def item(item_id: str) -> ItemInfo:
        if item_id not in run.data.items:
            raise HTTPException(404, f"unknown item id: {item_id[:64]}")
        i = int(run.data.items.index([item_id])[0])
        return ItemInfo(
            item_id=item_id,
            title=run.data.titles[i],
            categories=run.data.categories[i],
            train_interactions=int(run.popularity[i]),
        )

    @app.get("/health", response_model=Health)
    async def health() -> Health:
        return Health(
            status="ok",
            model=run.model_name,
            run_dir=str(run.run_dir),
            items=run.data.n_items,
            users=run.data.n_users,
            batches_scored=batcher.batches,
            histories_scored=batcher.histories,
        )

    return app
