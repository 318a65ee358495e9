"""The gateway's outer wall, tried as an attacker would over HTTP: oversized and slow bodies, integers past
64 bits, foreign hosts and origins (DNS rebinding), wrong methods; and what every response carries."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from dmb_gateway.auth import provision_user
from dmb_gateway.settings import GatewaySettings
from dmb_testing import platform
from pydantic import ValidationError

MIB = 1024 * 1024
TABLE = {"table_name": "visits", "fields": [{"name": "id", "type": "integer", "primary_key": True}]}
SOME_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


# One platform for the module: starting one takes seconds, and no test here needs a fresh one (each checks
# the table names it tried to create).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.embedded_client(tmp_path_factory.mktemp("platform"), body_read_seconds=0.5) as http:
        yield http


async def table_names(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/api/v1/tables")
    assert response.status_code == 200, response.text
    return [item["table_name"] for item in response.json()["items"]]


async def test_a_body_over_the_limit_is_refused_with_the_limit(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/tables", content=b"x" * (MIB + 1), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["message"] == "The request body is larger than the limit of 1,048,576 bytes"


async def test_a_streamed_body_is_cut_off_at_the_limit_without_being_read_to_its_end(client: httpx.AsyncClient) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:  # no Content-Length: chunked, as a lying client would send
        nonlocal sent
        for _ in range(200):
            sent += 1
            yield b"x" * 65536

    response = await client.post("/api/v1/tables", content=endless())

    assert response.status_code == 413
    assert sent <= MIB // 65536 + 2  # read up to the limit, not the 12.5 MiB offered


async def test_the_limit_is_checked_before_authentication(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token") as client:
        oversized = await client.post("/api/v1/tables", content=b"x" * (2 * MIB))
        small = await client.post("/api/v1/tables", json=TABLE)

    assert oversized.status_code == 413
    assert small.status_code == 401


async def test_the_import_endpoint_takes_a_larger_statement_than_the_default_limit(client: httpx.AsyncClient) -> None:
    # 190,000 characters (under the statement's 200,000) as \u escapes: 1.1 MB on the wire, over the default limit.
    body = json.dumps({"sql": "é" * 190_000, "dialect": "postgres"}, ensure_ascii=True).encode()
    assert MIB < len(body) < 2 * MIB
    headers = {"Content-Type": "application/json"}

    elsewhere = await client.post("/api/v1/tables/generators", content=body, headers=headers)
    imported = await client.post("/api/v1/tables/import", content=body, headers=headers)

    assert elsewhere.status_code == 413
    assert imported.status_code == 422, imported.text  # read and parsed: the statement itself is refused
    assert imported.json()["errors"][0]["location"] == "sql"


async def test_a_body_that_trickles_in_times_out_with_408(client: httpx.AsyncClient) -> None:
    async def slow() -> AsyncIterator[bytes]:
        yield b'{"table_name": '
        await asyncio.sleep(5)
        yield b'"visits", "fields": []}'

    started = asyncio.get_running_loop().time()
    response = await client.post("/api/v1/tables", content=slow(), headers={"Content-Type": "application/json"})

    assert response.status_code == 408
    assert response.json()["message"] == "The request body did not arrive within 0.5 s"
    assert asyncio.get_running_loop().time() - started < 4


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tables?offset=9223372036854775808",
        "/api/v1/tables?limit=9223372036854775808",
        "/api/v1/exports?offset=9223372036854775808",
        f"/api/v1/tables/{SOME_ID}/exports?offset=9223372036854775808",
        f"/api/v1/tables/{SOME_ID}/versions/9223372036854775808",
        f"/api/v1/tables/{SOME_ID}/versions/1/diff/18446744073709551616",
    ],
)
async def test_integers_past_their_bounds_are_a_422_that_names_the_bound(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 422, response.text
    assert re.search(r"less than or equal to (500|2147483647)$", response.json()["message"])


async def test_restoring_a_version_past_64_bits_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/api/v1/tables/{SOME_ID}/versions/9223372036854775808/restore", json={"expected_version": 2**70}
    )

    assert response.status_code == 422
    assert {e["location"] for e in response.json()["errors"]} == {"path.version", "expected_version"}


async def test_a_foreign_host_cannot_create_a_table_in_local_mode(client: httpx.AsyncClient) -> None:
    rebound = await client.post(
        "/api/v1/tables",
        json=TABLE,
        headers={"Host": "attacker.example:8000", "Origin": "http://attacker.example:8000"},
    )
    read = await client.get("/api/v1/tables", headers={"Host": "attacker.example"})

    assert rebound.status_code == 400
    assert rebound.json()["message"] == "This server does not answer to the host name 'attacker.example:8000'"
    assert read.status_code == 400
    assert "visits" not in await table_names(client)


async def test_a_page_of_another_origin_cannot_change_anything(client: httpx.AsyncClient) -> None:
    cross_site = await client.post("/api/v1/tables", json=TABLE, headers={"Origin": "http://attacker.example"})
    other_port = await client.post("/api/v1/tables", json=TABLE, headers={"Origin": "http://127.0.0.1:3000"})
    opaque = await client.post("/api/v1/tables", json=TABLE, headers={"Origin": "null"})
    reading = await client.get("/api/v1/tables", headers={"Origin": "http://attacker.example"})

    assert [r.status_code for r in (cross_site, other_port, opaque)] == [403, 403, 403]
    assert cross_site.json()["errors"] == [
        {
            "location": "header.Origin",
            "message": "Requests that change data are not accepted from pages of 'http://attacker.example'",
        }
    ]
    assert reading.status_code == 200
    assert "visits" not in await table_names(client)


async def test_the_gateway_own_pages_and_clients_without_origin_change_data(client: httpx.AsyncClient) -> None:
    same_origin = await client.post(
        "/api/v1/tables", json=TABLE | {"table_name": "visits_one"}, headers={"Origin": "http://127.0.0.1"}
    )
    spec = TABLE | {"table_name": "visits_two"}
    by_name = await client.post(
        "/api/v1/tables", json=spec, headers={"Host": "localhost", "Origin": "http://localhost"}
    )
    no_origin = await client.post("/api/v1/tables", json=TABLE | {"table_name": "visits_three"})

    assert [r.status_code for r in (same_origin, by_name, no_origin)] == [202, 202, 202]
    assert {"visits_one", "visits_two", "visits_three"} <= set(await table_names(client))


async def test_local_mode_refuses_to_answer_other_host_names(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="DMB_ALLOWED_HOSTS: local mode answers loopback names only"):
        GatewaySettings(data_dir=tmp_path, allowed_hosts="dmb.example.com,localhost", _env_file=None)
    served = GatewaySettings(data_dir=tmp_path, auth_mode="token", allowed_hosts="dmb.example.com", _env_file=None)
    assert served.allowed_hosts == ["dmb.example.com"]


async def test_token_mode_answers_its_configured_host_names_only(tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path, _env_file=None)
    token = await provision_user(settings.service_database_url("gateway"), "ada@example.com")
    auth = {"Authorization": f"Bearer {token}"}
    async with platform.embedded_client(
        tmp_path, auth_mode="token", allowed_hosts="dmb.example.com,*.dmb.example.com"
    ) as client:
        named = await client.get("/api/v1/tables", headers=auth | {"Host": "dmb.example.com"})
        sub = await client.get("/api/v1/tables", headers=auth | {"Host": "eu.dmb.example.com:443"})
        loopback = await client.get("/api/v1/tables", headers=auth)
        probe = await client.get("/healthz", headers={"Host": "10.0.0.7:8000"})

    assert (named.status_code, sub.status_code, loopback.status_code, probe.status_code) == (200, 200, 400, 200)


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/", {}),
        ("GET", "/docs", {}),
        ("GET", "/static/app.js", {}),
        ("GET", "/api/v1/tables", {}),
        ("GET", "/api/v1/nothing-here", {}),
        ("POST", "/api/v1/tables", {"content": b"x" * (2 * MIB)}),
        ("POST", "/api/v1/tables", {"json": TABLE, "headers": {"Origin": "http://attacker.example"}}),
        ("GET", "/api/v1/tables", {"headers": {"Host": "attacker.example"}}),
    ],
)
async def test_every_response_carries_the_security_headers(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = await client.request(method, path, **kwargs)

    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    policy = dict(part.split(" ", 1) for part in response.headers["content-security-policy"].split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "strict-transport-security" not in response.headers  # plain http: a browser would ignore it


async def test_hsts_is_sent_behind_https(client: httpx.AsyncClient) -> None:
    response = await client.get("https://127.0.0.1/api/v1/tables")

    assert response.status_code == 200
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_the_pages_have_no_inline_script_for_the_policy_to_block(client: httpx.AsyncClient) -> None:
    for path in ("/", "/docs"):
        html = (await client.get(path)).text
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
        assert scripts, path
        assert all('src="' in attributes and not body.strip() for attributes, body in scripts), path
        assert not re.search(r"\son[a-z]+\s*=", html), path  # no inline event handlers either


async def test_the_api_docs_load_only_vendored_assets(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text
    assets = [httpx.URL(url) for url in re.findall(r'(?:src|href)="([^"]+)"', html)]

    assert all((url.host, url.path[:8]) == ("127.0.0.1", "/static/") for url in assets), assets
    assert "/static/vendor/swagger-ui-dist@5.35.0/swagger-ui-bundle.js" in {url.path for url in assets}
    for url in assets:
        response = await client.get(url)
        assert response.status_code == 200, url
    document = await client.get("/api/v1/openapi.json")
    assert document.json()["info"]["title"] == "Dynamic Model Builder"


async def test_a_wrong_method_is_a_405_naming_every_allowed_one(client: httpx.AsyncClient) -> None:
    preview = await client.put("/api/v1/tables/generators", json=TABLE)
    table = await client.patch(f"/api/v1/tables/{SOME_ID}", json={})
    collection = await client.delete("/api/v1/tables")

    assert (preview.status_code, preview.headers["allow"]) == (405, "POST")
    assert (table.status_code, table.headers["allow"]) == (405, "GET, PUT, DELETE")
    assert (collection.status_code, collection.headers["allow"]) == (405, "GET, POST")
    assert table.json()["message"] == f"PATCH is not allowed on /api/v1/tables/{SOME_ID}; use GET, PUT, DELETE"


#: A value for each path parameter that the operation's own route (not a sibling's) takes.
PATH_VALUES = {"queue": "schema", "letter_id": "broken-1", "version": "1", "from_version": "1", "to_version": "2"}


async def test_every_wrong_method_on_every_route_is_a_405_allowing_what_the_document_declares(
    client: httpx.AsyncClient,
) -> None:
    """Admin and dead-letter routes included: /dead-letters/{queue}/replay is not taken for a letter "replay"."""
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    wrong: list[str] = []
    tried = 0
    for path, item in paths.items():
        url = re.sub(r"{(\w+)}", lambda m: PATH_VALUES.get(m.group(1), SOME_ID), path)
        declared = {method.upper() for method in item}
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            if method in declared:
                continue
            tried += 1
            response = await client.request(method, url)
            allowed = set(response.headers.get("allow", "").split(", "))
            if response.status_code != 405 or allowed != declared:
                wrong.append(f"{method} {url}: {response.status_code} Allow {response.headers.get('allow')}")
    print(f"wrong methods tried: {tried} on {len(paths)} paths")
    assert tried > 150
    assert not wrong, "\n".join(wrong)


async def test_the_openapi_document_declares_the_statuses_given_before_an_operation_runs(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    operations = [(method, operation) for item in paths.values() for method, operation in item.items()]

    assert len(operations) > 20
    for method, operation in operations:
        declared = set(operation["responses"])
        assert {"400", "401", "408", "413", "422"} <= declared, operation["operationId"]
        assert ("403" in declared) == (method in {"post", "put", "delete"}) or "403" in declared


async def test_a_boolean_is_no_seed_nor_row_count(client: httpx.AsyncClient) -> None:
    """Found by fuzzing on a real table: `"seed": false` started a job with seed 0."""
    created = await client.post("/api/v1/tables", json=TABLE | {"table_name": "booleans"})
    table_id = created.json()["id"]
    seed = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": 5, "seed": False})
    rows = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": True})

    assert seed.status_code == rows.status_code == 422
    assert seed.json()["errors"][0]["location"] == "seed"
    assert rows.json()["errors"][0]["location"] == "rows"
