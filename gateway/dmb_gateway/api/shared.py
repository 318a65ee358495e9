"""What the API routers share, so that none imports another: the error statuses an operation declares, the
table statuses that hold a name, and the look-ups of a user's tables."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from dmb_contracts.envelope import utcnow
from dmb_contracts.fields import TableSpec
from fastapi import HTTPException, status
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.schemas import ErrorResponse
from dmb_gateway.models import TableView, User

Responses = dict[int | str, dict[str, object]]


def errors(*statuses: int, described: Mapping[int, str] | None = None) -> Responses:
    """The `responses` of an operation that can answer these statuses, each with the ErrorResponse body."""
    described = described or {}
    return {
        code: {"model": ErrorResponse} | ({"description": described[code]} if code in described else {})
        for code in statuses
    }


#: What an operation on a user's tables, jobs or exports can answer besides its success: no such thing (404),
#: not in a state for it (409), an invalid request (422), a quota used up (429, dmb_gateway.accounts.quotas).
ERRORS = errors(404, 409, 422, 429)
#: Table statuses that hold the table's name: a new table cannot take it.
LIVE = ("pending", "created", "altering", "dropping")
#: Table statuses the schema service has yet to act on (a table's event stream goes on while in one).
SETTLING = ("pending", "altering", "dropping")


def pending_table(owner_id: uuid.UUID, spec: TableSpec) -> TableView:
    """A table the schema service has yet to create, as the API shows it until then."""
    now = utcnow()
    return TableView(
        table_id=uuid.uuid4(),
        owner_id=owner_id,
        table_name=spec.table_name,
        status="pending",
        version=0,
        spec=spec.model_dump(mode="json"),
        reason=None,
        problems=[],
        created_at=now,
        updated_at=now,
    )


async def created_table(session: AsyncSession, table_id: uuid.UUID, user: User) -> tuple[TableView, TableSpec]:
    """A table of the user's that exists in the datasets database, with its current spec."""
    view = await get_owned(session, TableView, table_id, user, "table")
    if view.status != "created":
        raise HTTPException(status.HTTP_409_CONFLICT, f"Table {view.table_name!r} is {view.status}, not created")
    return view, TableSpec.model_validate(view.spec)
