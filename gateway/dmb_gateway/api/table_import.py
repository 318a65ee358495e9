"""/api/v1/tables/import: a table definition inferred from a pasted CREATE TABLE statement, for review.

Nothing is saved: the caller reviews (and edits) the proposed spec, then creates the table with
POST /api/v1/tables as usual.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from dmb_common.sql_import import MAX_SQL_LENGTH, SqlImportError, infer_from_sql
from dmb_contracts.fields import TableSpec
from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from dmb_gateway.api.deps import CurrentUser
from dmb_gateway.api.schemas import ErrorDetail, ErrorResponse

router = APIRouter(prefix="/tables", tags=["tables"])


class TableImport(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "dialect": "postgres",
                    "sql": "CREATE TABLE customers (\n  id bigserial PRIMARY KEY,\n  email varchar(254) NOT NULL "
                    "UNIQUE,\n  balance numeric(12, 2) DEFAULT 0,\n  joined date\n)",
                },
                {
                    "dialect": "mysql",
                    "sql": "CREATE TABLE `items` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `kind` enum('a','b') "
                    "NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB COMMENT='Items'",
                },
            ]
        },
    )

    sql: str = Field(min_length=1, max_length=MAX_SQL_LENGTH, description="One CREATE TABLE statement.")
    dialect: Literal["postgres", "mysql"] = "postgres"


class ImportedTable(BaseModel):
    spec: TableSpec = Field(description="The inferred definition, not saved: review it, then POST /api/v1/tables.")
    warnings: list[str] = Field(description="What could not be carried over exactly, one sentence each.")


@router.post(
    "/import",
    response_model=ImportedTable,
    responses={422: {"model": ErrorResponse}},
    summary="Infer a table definition from a CREATE TABLE statement",
)
async def import_table(body: TableImport, _: CurrentUser) -> ImportedTable | JSONResponse:
    """Parse the statement (never run it) and propose a definition: types with lengths and precision,
    nullability, primary key, unique, constant defaults. Types we do not have become the nearest one, with
    a warning. A 422 names the problem: SQL that does not parse, a statement that is not CREATE TABLE, or
    names that break the naming rules (each with a suggested fix)."""
    try:
        inferred = await asyncio.to_thread(infer_from_sql, body.sql, body.dialect)
    except SqlImportError as exc:
        errors = [
            ErrorDetail(
                location=issue.location,
                message=issue.message + (f" (suggested: {issue.suggestion!r})" if issue.suggestion else ""),
            )
            for issue in exc.issues
        ] or [ErrorDetail(location="sql", message=exc.message)]
        content = ErrorResponse(message=exc.message, errors=errors).model_dump()
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content=content)
    return ImportedTable(spec=inferred.spec, warnings=inferred.warnings)
