"""The value-pool workflow's input, limits and output (what the handler and the benchmark pass and get)."""

from __future__ import annotations

from typing import Annotated, Literal

from dmb_contracts.compositions import Composition
from dmb_contracts.fields import FieldSpec, JsonScalar, TableSpec
from pydantic import BaseModel, ConfigDict, Field

StructuredOutputMethod = Literal["function_calling", "json_mode", "json_schema"]


class PoolRequest(BaseModel):
    """Values for the AI fields of one table: `count` rows of them, in the user's context and locale."""

    model_config = ConfigDict(frozen=True)

    table: TableSpec
    fields: Annotated[list[FieldSpec], Field(min_length=1)]
    count: Annotated[int, Field(gt=0, le=10_000)]
    context: str = ""
    locale: str = "en_US"
    #: The job's rows, when more than `count`: a unique text field then also gets a composition that reaches it.
    rows: Annotated[int, Field(gt=0)] | None = None
    #: The job's seed: identifiers code makes (ISBNs, IBANs, …) are drawn with it, so a job repeats them.
    seed: int | None = None


class PoolLimits(BaseModel):
    """How the workflow asks: batch size, retries, time per call, tokens per request, the output method."""

    model_config = ConfigDict(frozen=True)

    batch_size: Annotated[int, Field(gt=0, le=200)] = 25
    #: Calls allowed beyond the ones the count needs at `batch_size` rows a call; also the most calls in a
    #: row that may keep nothing (garbage, timeouts) before the workflow gives up.
    max_retries: Annotated[int, Field(ge=0, le=20)] = 4
    call_timeout_seconds: Annotated[float, Field(gt=0)] = 120
    token_budget: Annotated[int, Field(gt=0)] = 200_000
    method: StructuredOutputMethod = "function_calling"
    #: A pool smaller than this (or than the count, if smaller) is no pool: the fields fall back to Faker.
    min_pool: Annotated[int, Field(gt=0)] = 10


class PoolStats(BaseModel):
    model_calls: int = 0
    failed_calls: int = 0
    tokens: int = 0
    rows_returned: int = 0
    rows_kept: int = 0
    first_call_returned: int = 0
    first_call_kept: int = 0


class PoolResult(BaseModel):
    """Per model-written field its values; rows line up (index i of every pool is one row, written together).

    `failure` set: no usable pool, the fields fall back to Faker for that reason. `notes` are for the job."""

    pools: dict[str, list[JsonScalar]] = Field(default_factory=dict)
    #: Per unique text field, parts combined by code for distinct values past the pool (request.rows of them).
    compositions: dict[str, Composition] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    failure: str | None = None
    stats: PoolStats = Field(default_factory=PoolStats)
