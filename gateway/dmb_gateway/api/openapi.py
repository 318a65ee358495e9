"""The OpenAPI document declares every status an operation can answer, including those given before the
operation runs: the outer wall's refusals (host, origin, body size and time) and authentication."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

API_PREFIX = "/api/v1"
#: Marks an operation only admins may call (`openapi_extra={ADMIN_ONLY: True}`): others get a 403. Clients and
#: the isolation tests read it from the document.
ADMIN_ONLY = "x-dmb-admin-only"
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
#: status → (when it is answered, whether only state-changing operations can get it)
COMMON: dict[str, tuple[str, bool]] = {
    "400": ("The Host header names a host this server does not answer to.", False),
    "401": ("No API token, or one that is unknown, revoked or expired.", False),
    "403": ("The request came from a page of another origin, or needs a right the caller lacks.", True),
    "408": ("The request body did not arrive in time.", False),
    "413": ("The request body is larger than the server's limit.", False),
    "422": ("A parameter or the body is invalid; `errors` says which and why.", False),
    "429": ("Too many invalid API tokens came from this address; Retry-After says when to try again.", False),
}
STATE_CHANGING = frozenset({"post", "put", "patch", "delete"})


def declare_common_statuses(document: dict[str, Any]) -> None:
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, (description, state_changing_only) in COMMON.items():
                if state_changing_only and method not in STATE_CHANGING:
                    continue
                if status not in responses:
                    responses[status] = {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    }


def install(app: FastAPI) -> None:
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            declare_common_statuses(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
