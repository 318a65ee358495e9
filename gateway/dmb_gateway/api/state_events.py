"""Server-sent events of one row of the read model (a job, an export, a table): its public state at each change
until it settles, woken by the gateway's projection (dmb_gateway.changes) instead of a client polling it.

A client that polls learns of the change up to one interval late and pays a request per interval (in the
embedded mode on the same cores as the work it waits for); a 1,000-row flow spent about a third of its time so.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from sse_starlette.sse import EventSourceResponse

from dmb_gateway.api.deps import GatewayContext
from dmb_gateway.models import ExportView, JobView, TableView

#: How long a stream waits without a word from the projection before it re-reads its row anyway: the change
#: may have been folded in by another gateway process, whose projection does not notify this one.
EVENTS_FALLBACK_SECONDS = 0.5

Row = JobView | ExportView | TableView


def responses(event: str, what: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of a stream of `event` events, each carrying `what` (as its GET answers)."""
    return {
        200: {
            "description": f"Server-sent events: one `{event}` event with {what} at each change.",
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "properties": {"event": {"const": event}, "data": {"type": "string"}},
                        "required": ["event", "data"],
                    }
                }
            },
        }
    }


def state_events(
    request: Request,
    context: GatewayContext,
    model: type[Row],
    key: uuid.UUID,
    *,
    event: str,
    public: Callable[[Any], BaseModel],
    settled: Callable[[Any], bool],
) -> EventSourceResponse:
    """The row's state (`public(row)`) whenever it changes, ending once `settled(row)` (or when the row is
    gone). The caller has checked that the user may see the row."""

    async def stream() -> AsyncIterator[dict[str, str]]:
        last = ""
        # The watch starts before the first read: a change between a read and the wait still wakes it.
        with context.changes.watching(key) as watch:
            while not await request.is_disconnected():
                async with context.runtime.sessions() as session:
                    row = await session.get(model, key)
                if row is None:
                    return  # deleted meanwhile (an account removed): nothing more will come
                state = public(row).model_dump_json()
                if state != last:
                    last = state
                    yield {"event": event, "data": state}
                if settled(row):
                    return
                await watch.changed(within=EVENTS_FALLBACK_SECONDS)

    return EventSourceResponse(stream())
