"""/api/v1/tables/{id}: change a table's definition (a new version, migrated by the schema service) and read
its version history."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from dmb_contracts.commands import AlterTable, RestoreTable
from dmb_contracts.envelope import utcnow
from dmb_contracts.fields import TableSpec
from dmb_contracts.spec_diff import SpecDiff, diff_specs
from dmb_contracts.statuses import JOB_ACTIVE
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.accounts.schemas import StoredTime
from dmb_gateway.api.deps import ContextDep, CurrentUser, SessionDep
from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.schemas import TablePublic, VersionNumber, expected_version
from dmb_gateway.api.shared import LIVE, errors
from dmb_gateway.models import JobView, TableVersionView, TableView

router = APIRouter(prefix="/tables", tags=["tables"])
ERRORS = errors(404, 409, 422)
BUSY_JOBS = tuple(JOB_ACTIVE)


class TableChange(BaseModel):
    """A new definition for a table, made against the version the caller last saw."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "expected_version": 1,
                    "spec": {
                        "table_name": "customers",
                        "fields": [
                            {"name": "id", "type": "integer", "primary_key": True},
                            {"name": "full_name", "renamed_from": "name", "type": "string", "max_length": 200},
                            {"name": "phone", "type": "string", "nullable": True},
                        ],
                    },
                }
            ]
        },
    )

    expected_version: int = expected_version("change")
    spec: TableSpec = Field(
        description="The whole new definition. A field renamed keeps its rows when it says `renamed_from`; "
        "a field left out is dropped; a new name without `renamed_from` is a new field."
    )


class TableVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    table_name: str
    spec: TableSpec
    changes: list[str] = Field(description="What changed from the previous version.")
    created_by: uuid.UUID | None
    created_at: StoredTime


class TableVersionsPublic(BaseModel):
    items: list[TableVersionPublic]
    total: int


@router.put("/{table_id:uuid}", status_code=status.HTTP_202_ACCEPTED, response_model=TablePublic, responses=ERRORS)
async def alter_table(table_id: uuid.UUID, change: TableChange, user: CurrentUser, context: ContextDep) -> TableView:
    """Change a table's definition. The schema service migrates the datasets table in one transaction:
    poll until `status` is `created` again — at `expected_version + 1` when it worked, or at the same
    version with `reason` set when it was refused (nothing changed then)."""
    async with context.runtime.uow() as uow:
        view = await get_owned(uow.session, TableView, table_id, user, "table")
        await _check_changeable(uow.session, view, change.expected_version, change.spec.table_name)
        view.status, view.reason, view.problems, view.updated_at = "altering", None, [], utcnow()
        uow.emit(
            AlterTable(
                table_id=table_id,
                expected_version=change.expected_version,
                spec=change.spec,
                owner_id=user.user_id,
                correlation_id=table_id,
            )
        )
        await uow.commit()
        return view


class TableRestore(BaseModel):
    """Bring back an earlier version's definition, asked against the version the caller last saw."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"expected_version": 3}]})

    expected_version: int = expected_version("restore")


@router.post(
    "/{table_id:uuid}/versions/{version}/restore",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TablePublic,
    responses=ERRORS,
)
async def restore_version(
    table_id: uuid.UUID, version: VersionNumber, body: TableRestore, user: CurrentUser, context: ContextDep
) -> TableView:
    """Bring the table back to version `version`'s definition. The schema service runs the reverse
    migration in one transaction (fields renamed since then are renamed back and keep their rows) and
    records it as a new version whose changes start with "restored version N". Poll as after a change:
    `created` at `expected_version + 1` when it worked, or at the same version with `reason` set (nothing
    changed then, e.g. when the rows added since do not fit the old definition)."""
    async with context.runtime.uow() as uow:
        view = await get_owned(uow.session, TableView, table_id, user, "table")
        if version == view.version:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"Version {version} is the current version of {view.table_name!r}; there is nothing to restore",
            )
        target = await uow.session.get(TableVersionView, (table_id, version))
        if target is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Table {view.table_name!r} has no version {version}")
        await _check_changeable(uow.session, view, body.expected_version, target.table_name)
        view.status, view.reason, view.problems, view.updated_at = "altering", None, [], utcnow()
        uow.emit(
            RestoreTable(
                table_id=table_id,
                expected_version=body.expected_version,
                version=version,
                owner_id=user.user_id,
                correlation_id=table_id,
            )
        )
        await uow.commit()
        return view


async def _check_changeable(session: AsyncSession, view: TableView, expected_version: int, new_name: str) -> None:
    """409 unless the table can take a new version now: created, at the version the caller saw, its new name
    free among the owner's tables, and no job filling it."""
    if view.status != "created":
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Table {view.table_name!r} is {view.status}; only a created table can change"
        )
    if expected_version != view.version:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"conflict: the table is at version {view.version}, not {expected_version}; "
            "reload it and make the change again",
        )
    if new_name != view.table_name:
        clash = await session.scalar(
            sa.select(TableView.table_id).where(
                TableView.owner_id == view.owner_id, TableView.table_name == new_name, TableView.status.in_(LIVE)
            )
        )
        if clash is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"You already have a table named {new_name!r} ({clash})")
    busy = await session.scalar(
        sa.select(JobView.job_id).where(JobView.table_id == view.table_id, JobView.status.in_(BUSY_JOBS)).limit(1)
    )
    if busy is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Job {busy} is filling this table; wait for it or cancel it first"
        )


@router.get("/{table_id:uuid}/versions", response_model=TableVersionsPublic, responses=ERRORS)
async def list_versions(table_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> TableVersionsPublic:
    """Every version of the table's definition, oldest first, each with what changed from the one before."""
    view = await get_owned(session, TableView, table_id, user, "table")
    rows = (
        await session.scalars(
            sa.select(TableVersionView).where(TableVersionView.table_id == table_id).order_by(TableVersionView.version)
        )
    ).all()
    items = [TableVersionPublic.model_validate(row) for row in rows]
    if view.version > 0 and view.version not in {item.version for item in items}:
        items.append(_current(view))  # never altered: its only version is the one the table shows
    return TableVersionsPublic(items=items, total=len(items))


@router.get("/{table_id:uuid}/versions/{version}", response_model=TableVersionPublic, responses=ERRORS)
async def get_version(
    table_id: uuid.UUID, version: VersionNumber, user: CurrentUser, session: SessionDep
) -> TableVersionPublic:
    view = await get_owned(session, TableView, table_id, user, "table")
    row = await session.get(TableVersionView, (table_id, version))
    if row is not None:
        return TableVersionPublic.model_validate(row)
    if version == view.version and version > 0:
        return _current(view)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"Table {view.table_name!r} has no version {version}")


class VersionDiffPublic(BaseModel):
    table_id: uuid.UUID
    from_version: int
    to_version: int
    diff: SpecDiff


@router.get(
    "/{table_id:uuid}/versions/{from_version}/diff/{to_version}", response_model=VersionDiffPublic, responses=ERRORS
)
async def diff_versions(
    table_id: uuid.UUID, from_version: VersionNumber, to_version: VersionNumber, user: CurrentUser, session: SessionDep
) -> VersionDiffPublic:
    """What differs between two versions of the definition, field by field (either order: the second is
    compared against the first). Fields are matched by name, so a renamed field shows as removed + added."""
    before = await get_version(table_id, from_version, user, session)
    after = await get_version(table_id, to_version, user, session)
    return VersionDiffPublic(
        table_id=table_id, from_version=from_version, to_version=to_version, diff=diff_specs(before.spec, after.spec)
    )


def _current(view: TableView) -> TableVersionPublic:
    return TableVersionPublic(
        version=view.version,
        table_name=view.table_name,
        spec=TableSpec.model_validate(view.spec),
        changes=[],
        created_by=view.owner_id,
        created_at=view.created_at,
    )
