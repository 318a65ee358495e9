"""/api/v1/tables/preview: the first rows a job would write for a definition, before it is saved.

The gateway never runs the generator's code: it asks the generator over the bus (PreviewRows) and waits for
the answer (RowsPreviewed, same request id), which the projection stores for whichever gateway process waits
(decision 0023-preview-over-the-bus)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import sqlalchemy as sa
from dmb_bus.base import MessageBus
from dmb_contracts.commands import MAX_PREVIEW_ROWS, MAX_SEED, Locale, PreviewRows
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import RowsPreviewed
from dmb_contracts.fields import SpecError, TableSpec
from dmb_contracts.references import resolve_references
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from dmb_gateway.api.deps import ContextDep, CurrentUser
from dmb_gateway.api.schemas import ErrorDetail, ErrorResponse
from dmb_gateway.api.shared import errors
from dmb_gateway.models import RowPreviewView, TableView

router = APIRouter(prefix="/tables", tags=["tables"])
#: How long a preview may take before the user is told to try again; answers older than this are dropped.
PREVIEW_TIMEOUT = dt.timedelta(seconds=15)
POLL_SECONDS = 0.02


class PreviewCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # JSON in, as its schema says: `"seed": false` is refused, not read as 0
        json_schema_extra={
            "examples": [{"spec": {"table_name": "people", "fields": [{"name": "email", "type": "email"}]}}]
        },
    )

    spec: TableSpec
    rows: int = Field(default=10, gt=0, le=MAX_PREVIEW_ROWS, description=f"How many rows (1..{MAX_PREVIEW_ROWS}).")
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="A job with this seed starts with these rows.")
    locale: Locale = "en_US"


class PreviewPublic(BaseModel):
    columns: list[str]
    rows: list[list[str | None]]
    problem: str | None = Field(description="Why no rows could be made, in plain words (null when they were).")
    seed: int
    locale: str
    generator_version: str | None
    generator_seconds: float = Field(description="How long the generator took to make the rows.")
    seconds: float = Field(description="From the request to the answer, the bus round trip included.")


@router.post(
    "/preview",
    response_model=PreviewPublic,
    responses=errors(422, 504),
)
async def preview_rows(
    body: PreviewCreate, request: Request, user: CurrentUser, context: ContextDep
) -> PreviewPublic | JSONResponse:
    """The first `rows` rows a job with this definition, seed and locale would write, made by the generator
    with the job's own code; nothing is stored. Foreign keys draw from the parent tables' rows as a job would."""
    started = time.perf_counter()
    async with context.runtime.sessions() as session:
        views = (
            await session.scalars(
                sa.select(TableView).where(TableView.owner_id == user.user_id, TableView.status == "created")
            )
        ).all()
        # Answers nobody waits for any more (their request timed out) are dropped on the way.
        await session.execute(sa.delete(RowPreviewView).where(RowPreviewView.created_at < utcnow() - PREVIEW_TIMEOUT))
        await session.commit()
    tables = {view.table_name: TableSpec.model_validate(view.spec) for view in views}
    try:
        spec = resolve_references(body.spec, tables)
    except SpecError as exc:
        index = next((i for i, field in enumerate(body.spec.fields) if field.name == exc.field), None)
        location = f"spec.fields.{index}.{exc.rule}" if index is not None else "spec"
        detail = ErrorResponse(message=exc.message, errors=[ErrorDetail(location=location, message=exc.message)])
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content=detail.model_dump())
    request_id = uuid.uuid4()
    bus: MessageBus = request.app.state.bus
    await bus.publish(
        PreviewRows(
            request_id=request_id,
            spec=spec,
            rows=body.rows,
            seed=body.seed,
            locale=body.locale,
            owner_id=user.user_id,
            correlation_id=request_id,
            producer="gateway",
        )
    )
    answer = await _answer(context, request_id)
    return PreviewPublic(
        columns=answer.columns,
        rows=answer.rows,
        problem=answer.problem,
        seed=body.seed,
        locale=body.locale,
        generator_version=answer.generator_version,
        generator_seconds=answer.seconds,
        seconds=round(time.perf_counter() - started, 4),
    )


async def _answer(context: ContextDep, request_id: uuid.UUID) -> RowsPreviewed:
    deadline = time.monotonic() + PREVIEW_TIMEOUT.total_seconds()
    while time.monotonic() < deadline:
        async with context.runtime.sessions() as session:
            row = await session.get(RowPreviewView, request_id)
            if row is not None:
                answer = RowsPreviewed.model_validate(row.answer)
                await session.delete(row)
                await session.commit()
                return answer
        await asyncio.sleep(POLL_SECONDS)
    raise HTTPException(
        status.HTTP_504_GATEWAY_TIMEOUT,
        "The preview is taking too long: the generator may be busy or stopped. Try again in a moment.",
    )
