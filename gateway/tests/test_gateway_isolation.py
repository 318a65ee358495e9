"""The isolation matrix, generated from the OpenAPI document: every /api/v1 operation is tried without
credentials and with a revoked token (401 each), every operation that takes an id is tried by another owner
on the first owner's table, job, export, API token, AI design and vocabulary (404 each, nothing of theirs
changed; an id parameter the matrix has no object for fails the test), and every admin-only
operation by a non-admin (403). A new operation joins the matrix by itself; one with a request body the
matrix does not know yet fails the test until a valid body is added to BODIES."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dmb_gateway.accounts.credentials import digest
from dmb_gateway.api.openapi import ADMIN_ONLY
from dmb_gateway.auth import provision_user
from dmb_gateway.models import ApiToken
from dmb_gateway.settings import GatewaySettings
from dmb_testing import platform
from dmb_testing.flow import wait_for
from dmb_testing.plugin import SUMMARY

SPEC: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "email", "type": "email"},
        {"name": "city", "type": "string"},
    ],
}
ID_PARAMETERS = {"table_id", "job_id", "export_id", "token_id", "design_id", "vocabulary_id"}
#: Path parameters that are not an owner's id: versions, and the admin routes' users and dead letters (whose
#: operations are tried by a non-admin, 403, instead).
OTHER_PARAMETERS = {"version", "from_version", "to_version", "user_id", "queue", "letter_id"}
OTHER_PARAMETER = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@dataclass(frozen=True)
class Owned:
    """The first owner's things, which the others try to reach."""

    table_id: str
    job_id: str
    export_id: str
    token_id: str
    design_id: str
    vocabulary_id: str

    def path_values(self) -> dict[str, str]:
        return {
            "table_id": self.table_id,
            "job_id": self.job_id,
            "export_id": self.export_id,
            "token_id": self.token_id,
            "design_id": self.design_id,
            "vocabulary_id": self.vocabulary_id,
            "version": "1",
            "from_version": "1",
            "to_version": "1",
        }


#: A valid body for every operation that takes one, so a refusal is about who asks, never about the body.
BODIES: dict[tuple[str, str], Callable[[Owned], dict[str, Any]]] = {
    ("post", "/api/v1/tables"): lambda _: SPEC | {"table_name": "orders"},
    ("post", "/api/v1/tables/generators"): lambda _: SPEC,
    ("post", "/api/v1/tables/import"): lambda _: {"sql": "CREATE TABLE t (id integer PRIMARY KEY)"},
    ("post", "/api/v1/tables/import/database"): lambda _: {"url": "sqlite:///absent.db", "table": "t"},
    ("put", "/api/v1/tables/{table_id}"): lambda _: {
        "expected_version": 1,
        "spec": SPEC | {"fields": [*SPEC["fields"], {"name": "phone", "type": "string", "nullable": True}]},
    },
    ("post", "/api/v1/tables/{table_id}/versions/{version}/restore"): lambda _: {"expected_version": 1},
    ("post", "/api/v1/tables/{table_id}/jobs"): lambda _: {"rows": 5, "seed": 1},
    ("post", "/api/v1/jobs"): lambda owned: {"tables": [{"table_id": owned.table_id, "rows": 5}]},
    ("post", "/api/v1/tables/{table_id}/exports"): lambda _: {"format": "csv"},
    ("post", "/api/v1/exports"): lambda owned: {"tables": [owned.table_id]},
    ("post", "/api/v1/ai/vocabularies"): lambda owned: {"table_id": owned.table_id, "field": "city"},
}
#: Operations anyone may call: how an account or a token is obtained in the first place.
PUBLIC = {("post", "/api/v1/auth/signup"), ("post", "/api/v1/auth/token")}
#: Admin areas as a whole (besides operations marked x-dmb-admin-only in the document).
ADMIN_PREFIXES = ("/api/v1/admin/", "/api/v1/dead-letters")
#: Operations that take an owner's id in the query or the body rather than the path.
QUERY_IDS: dict[tuple[str, str], dict[str, str]] = {("get", "/api/v1/jobs"): {"table_id": "table_id"}}
BODY_IDS = {("post", "/api/v1/jobs"), ("post", "/api/v1/exports"), ("post", "/api/v1/ai/vocabularies")}
#: An address nothing answers on: Ada's AI settings point there, so her design and vocabulary exist (and fail).
NO_AI = "http://127.0.0.1:9/v1"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def admin_only(self) -> bool:
        return bool(self.spec.get(ADMIN_ONLY)) or self.path.startswith(ADMIN_PREFIXES)

    @property
    def takes_an_id(self) -> bool:
        in_path = set(re.findall(r"{(\w+)}", self.path)) & ID_PARAMETERS
        return bool(in_path) or self.key in QUERY_IDS or self.key in BODY_IDS

    def request(self, owned: Owned) -> tuple[str, str, dict[str, Any]]:
        values = owned.path_values()
        # Other path parameters (a token, a user, a dead-letter queue) get a value of the right shape.
        url = re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), OTHER_PARAMETER), self.path)
        kwargs: dict[str, Any] = {}
        if self.key in QUERY_IDS:
            kwargs["params"] = {name: values[value] for name, value in QUERY_IDS[self.key].items()}
        if "requestBody" in self.spec:
            # An id taken by an operation is checked after its body: that body must be valid to reach the check.
            assert self.key in BODIES or not self.takes_an_id, f"no valid body for {self.method.upper()} {self.path}"
            kwargs["json"] = BODIES[self.key](owned) if self.key in BODIES else {}
        return self.method.upper(), url, kwargs


def operations(document: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method, path, spec)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, spec in item.items()
    ]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def revoke(database_url: str, token: str) -> None:
    """Take a token away as revocation does: it no longer opens anything."""
    # The platform may be writing (Ada's AI design failing in the background): wait for SQLite's lock as the
    # platform's own connections do, instead of sqlite3's default 5 s.
    engine = sa.create_engine(database_url.replace("+aiosqlite", ""), connect_args={"timeout": 60})
    try:
        with engine.begin() as conn:
            deleted = conn.execute(sa.delete(ApiToken).where(ApiToken.token_hash == digest(token)))
            assert deleted.rowcount == 1
    finally:
        engine.dispose()


@pytest.fixture
async def tokens(tmp_path: Path) -> dict[str, str]:
    database = GatewaySettings(data_dir=tmp_path, _env_file=None).service_database_url("gateway")
    return {
        "ada": await provision_user(database, "ada@example.com"),
        "bob": await provision_user(database, "bob@example.com"),
        "revoked": await provision_user(database, "ada@example.com"),  # a second token of Ada's
    }


@pytest.fixture
async def client(tmp_path: Path, tokens: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    # The matrix sends a revoked token to every operation: far more failed tokens than an address may send.
    async with platform.embedded_client(
        tmp_path, auth_mode="token", token_limit_per_address="10000/minute", ai_allow_private_endpoints=True
    ) as http:
        yield http


async def adas_things(client: httpx.AsyncClient, token: str) -> Owned:
    created = await client.post("/api/v1/tables", json=SPEC, headers=bearer(token))
    assert created.status_code == 202, created.text
    table_id = created.json()["id"]
    await wait_for(client, f"/api/v1/tables/{table_id}", {"created"}, every=0.1)
    job = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": 5, "seed": 1}, headers=bearer(token))
    assert job.status_code == 202, job.text
    await wait_for(client, f"/api/v1/jobs/{job.json()['id']}", {"completed"}, every=0.1)
    export = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "csv"}, headers=bearer(token))
    assert export.status_code == 202, export.text
    await wait_for(client, f"/api/v1/exports/{export.json()['id']}", {"completed"}, every=0.1)
    laptop = await client.post("/api/v1/tokens", json={"name": "laptop"}, headers=bearer(token))
    assert laptop.status_code == 201, laptop.text
    settings = await client.put("/api/v1/ai/settings", json={"base_url": NO_AI, "model": "m"}, headers=bearer(token))
    assert settings.status_code == 200, settings.text
    design = await client.post("/api/v1/ai/designs", json={"sentence": "a shop"}, headers=bearer(token))
    assert design.status_code == 202, design.text
    body = {"table_id": table_id, "field": "city"}
    vocabulary = await client.post("/api/v1/ai/vocabularies", json=body, headers=bearer(token))
    assert vocabulary.status_code == 202, vocabulary.text
    return Owned(
        table_id,
        job.json()["id"],
        export.json()["id"],
        laptop.json()["id"],
        design.json()["id"],
        vocabulary.json()["id"],
    )


async def test_the_isolation_matrix_holds_for_every_operation(
    client: httpx.AsyncClient, tokens: dict[str, str], tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    client.headers.update(bearer(tokens["ada"]))  # wait_for polls as Ada
    owned = await adas_things(client, tokens["ada"])
    client.headers.pop("Authorization")
    document = (await client.get("/api/v1/openapi.json")).json()
    everything = operations(document)
    # In a thread: the platform runs on this event loop, and a blocking wait here would keep it from finishing
    # (and committing) the write that holds SQLite's lock.
    gateway_database = GatewaySettings(data_dir=tmp_path, _env_file=None).service_database_url("gateway")
    await asyncio.to_thread(revoke, gateway_database, tokens["revoked"])
    wrong: list[str] = []
    attempts: dict[str, int] = {}
    by_id: dict[str, int] = {}

    async def expect(name: str, status: int, operation: Operation, headers: dict[str, str]) -> None:
        method, url, kwargs = operation.request(owned)
        response = await client.request(method, url, headers=headers, **kwargs)
        attempts[name] = attempts.get(name, 0) + 1
        if response.status_code != status:
            wrong.append(f"{name}: {method} {url} → {response.status_code}, not {status}: {response.text[:200]}")

    parameters = {name for operation in everything for name in re.findall(r"{(\w+)}", operation.path)}
    assert parameters <= ID_PARAMETERS | OTHER_PARAMETERS, f"no owned object for {parameters - ID_PARAMETERS}"
    for operation in everything:
        if operation.key in PUBLIC:
            continue
        await expect("no credentials → 401", 401, operation, {})
        await expect("revoked token → 401", 401, operation, bearer(tokens["revoked"]))
        if operation.admin_only:
            await expect("non-admin on an admin route → 403", 403, operation, bearer(tokens["ada"]))
        if operation.takes_an_id:
            await expect("another owner's id → 404", 404, operation, bearer(tokens["bob"]))
            for name in set(re.findall(r"{(\w+)}", operation.path)) & ID_PARAMETERS:
                by_id[name] = by_id.get(name, 0) + 1

    summary = "\n".join(f"{name}: {count} attempts" for name, count in attempts.items())
    ids = ", ".join(f"{name} {count}" for name, count in sorted(by_id.items()))
    figures = f"{len(everything)} operations, {sum(attempts.values())} attempts\n{summary}\nby id: {ids}"
    record_property(SUMMARY, figures)
    print(f"isolation matrix: {figures}")
    assert not wrong, "\n".join(wrong)
    assert set(by_id) == ID_PARAMETERS  # every kind of owned object was tried
    assert attempts["another owner's id → 404"] >= 22
    assert attempts["non-admin on an admin route → 403"] >= 1
    # Nothing of Ada's changed under Bob's attempts, and everything of hers is still hers.
    table = (await client.get(f"/api/v1/tables/{owned.table_id}", headers=bearer(tokens["ada"]))).json()
    assert (table["status"], table["version"], table["table_name"]) == ("created", 1, "customers")
    jobs = (await client.get("/api/v1/jobs", headers=bearer(tokens["ada"]))).json()["items"]
    assert [job["id"] for job in jobs] == [owned.job_id]
    download = await client.get(f"/api/v1/exports/{owned.export_id}/download", headers=bearer(tokens["ada"]))
    assert download.status_code in (200, 307), download.text
    listed = (await client.get("/api/v1/tokens", headers=bearer(tokens["ada"]))).json()["items"]
    laptop = next(token for token in listed if token["id"] == owned.token_id)
    assert laptop["revoked_at"] is None  # Bob's DELETE /tokens/{id} revoked nothing
    for path in (f"/api/v1/ai/designs/{owned.design_id}", f"/api/v1/ai/vocabularies/{owned.vocabulary_id}"):
        assert (await client.get(path, headers=bearer(tokens["ada"]))).status_code == 200
