"""Request and response bodies of the HTTP service, with the limits that keep it responsive."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, WithJsonSchema

MAX_K = 100
MAX_HISTORY = 200  # items per history; longer ones are a client mistake, not a silent cut
MAX_BATCH = 256  # histories per /recommend/batch request
MAX_ID_CHARS = 64
MAX_BODY_BYTES = 4 * 1024 * 1024  # well above the largest valid batch


def _item_id(value: Any) -> str:
    """Dataset ids are strings; JSON clients may send them as numbers. Both become strings."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        # pydantic turns a ValueError into a 422; a TypeError would escape as a 500
        raise ValueError(f"an item id is a string or an integer, not {type(value).__name__}")  # noqa: TRY004
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_ID_CHARS:
        raise ValueError(f"an item id has at most {MAX_ID_CHARS} characters")
    if not text.isprintable():  # also rejects lone surrogates, which cannot be encoded back
        raise ValueError("an item id is printable text (no control characters or lone surrogates)")
    return text


ItemId = Annotated[
    str,
    BeforeValidator(_item_id),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": MAX_ID_CHARS}, {"type": "integer"}]}),
]
History = Annotated[list[ItemId], Field(max_length=MAX_HISTORY)]
K = Annotated[StrictInt, Field(ge=1, le=MAX_K, description="how many items to return")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecommendRequest(_Strict):
    history: History = Field(description="dataset item ids, oldest first; [] gives the popularity fallback")
    k: K = 10


class BatchRequest(_Strict):
    histories: Annotated[list[History], Field(min_length=1, max_length=MAX_BATCH)]
    k: K = 10


class ItemOut(BaseModel):
    item_id: str
    title: str
    score: float


class RecommendResponse(BaseModel):
    items: list[ItemOut]
    model: str = Field(description="the run's model, e.g. sasrec")
    source: Literal["model", "popularity-fallback"]


class BatchResponse(BaseModel):
    results: list[RecommendResponse]


class ItemInfo(BaseModel):
    item_id: str
    title: str
    categories: str
    train_interactions: int


class Health(BaseModel):
    status: Literal["ok"]
    model: str
    run_dir: str
    items: int
    users: int
    batches_scored: int
    histories_scored: int
