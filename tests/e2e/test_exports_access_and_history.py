"""Exports end to end on the embedded platform with S3 (SeaweedFS): owner-only access in token mode, presigned
downloads, per-table history with paging, the CSV byte-order-mark option, and a failed export's retry."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import dmb_exporter.bootstrap
import httpx
import pytest
from dmb_common.settings import BaseServiceSettings
from dmb_common.storage import ObjectStore, S3Store
from dmb_gateway.auth import LOCAL_USER_ID, provision_user
from dmb_testing.faults import TcpRelay, s3_store_without_sdk_retries
from dmb_testing.flow import reference_spec, run_flow, wait_for
from dmb_testing.platform import embedded_client
from dmb_testing.seaweed import free_ports, s3_settings

SMALL_SPEC = {
    "table_name": "pets",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
        {"name": "name", "type": "string", "max_length": 40, "generator": {"kind": "choices", "values": ["Zoë"]}},
    ],
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_table_with_rows(client: httpx.AsyncClient, spec: dict[str, Any], rows: int) -> tuple[str, str]:
    created = await client.post("/api/v1/tables", json=spec)
    assert created.status_code == 202, created.text
    table = await wait_for(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": rows, "seed": 1})
    job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})
    assert job["status"] == "completed", job
    return table["id"], job["id"]


async def export(client: httpx.AsyncClient, table_id: str, **body: Any) -> dict[str, Any]:
    requested = await client.post(f"/api/v1/tables/{table_id}/exports", json=body)
    assert requested.status_code == 202, requested.text
    return await wait_for(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"})


@pytest.fixture
async def token_platform(tmp_path: Path, seaweed_endpoint: str, s3_bucket: S3Store) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(
        tmp_path, auth_mode="token", **s3_settings(seaweed_endpoint, s3_bucket.bucket)
    ) as client:
        yield client


async def test_only_the_owner_or_an_admin_reaches_a_table_its_jobs_exports_and_downloads(
    token_platform: httpx.AsyncClient, tmp_path: Path
) -> None:
    client = token_platform
    gateway_db = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    alice = await provision_user(gateway_db, "alice@example.com")
    bob = await provision_user(gateway_db, "bob@example.com")
    admin = await provision_user(gateway_db, "admin@example.com", is_admin=True)

    assert (await client.get("/api/v1/exports")).status_code == 401  # token mode: no token, no answer
    client.headers.update(bearer(alice))
    flow = await run_flow(client, reference_spec(), rows=40)
    table_id, job_id, export_id = flow.table["id"], flow.job["id"], flow.export["id"]
    del client.headers["Authorization"]

    as_bob = bearer(bob)
    for path in (
        f"/api/v1/tables/{table_id}",
        f"/api/v1/jobs/{job_id}",
        f"/api/v1/exports/{export_id}",
        f"/api/v1/exports/{export_id}/download",
        f"/api/v1/exports/{export_id}/download?presigned=true",
        f"/api/v1/tables/{table_id}/exports",
    ):
        response = await client.get(path, headers=as_bob)
        assert response.status_code == 404, (path, response.text)
    refused = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "csv"}, headers=as_bob)
    assert refused.status_code == 404
    assert (await client.post(f"/api/v1/exports/{export_id}/retry", headers=as_bob)).status_code == 404
    assert (await client.get("/api/v1/exports", headers=as_bob)).json()["total"] == 0

    by_admin = await client.get(f"/api/v1/exports/{export_id}/download", headers=bearer(admin))
    assert by_admin.status_code == 200
    assert by_admin.content == flow.workbook
    by_owner = await client.get(f"/api/v1/exports/{export_id}/download", headers=bearer(alice))
    assert by_owner.headers["content-disposition"] == 'attachment; filename="reference_people.xlsx"'

    redirect = await client.get(f"/api/v1/exports/{export_id}/download?presigned=true", headers=bearer(alice))
    assert redirect.status_code == 307
    async with httpx.AsyncClient() as outside:  # the browser follows the URL to S3 itself, with no token
        from_s3 = await outside.get(redirect.headers["location"])
    assert from_s3.status_code == 200
    assert from_s3.content == flow.workbook
    assert from_s3.headers["content-type"] == by_owner.headers["content-type"]


async def test_a_tables_export_history_pages_newest_first_and_csv_can_carry_a_bom(
    tmp_path: Path, seaweed_endpoint: str, s3_bucket: S3Store
) -> None:
    async with embedded_client(tmp_path, **s3_settings(seaweed_endpoint, s3_bucket.bucket)) as client:
        table_id, job_id = await make_table_with_rows(client, SMALL_SPEC, rows=5)
        plain = await export(client, table_id, format="csv", job_id=job_id)
        with_bom = await export(client, table_id, format="csv", csv_excel_bom=True)
        lines = await export(client, table_id, format="jsonl")
        refused = await client.post(
            f"/api/v1/tables/{table_id}/exports", json={"format": "xlsx", "csv_excel_bom": True}
        )

        first = (await client.get(f"/api/v1/tables/{table_id}/exports", params={"limit": 2})).json()
        rest = (await client.get(f"/api/v1/tables/{table_id}/exports", params={"offset": 2, "limit": 2})).json()
        plain_bytes = (await client.get(plain["download_url"])).content
        bom_bytes = (await client.get(with_bom["download_url"])).content
        by_filter = (await client.get("/api/v1/exports", params={"table_id": table_id})).json()
        other = (await client.get(f"/api/v1/tables/{uuid.uuid4()}/exports")).status_code

    assert [e["status"] for e in (plain, with_bom, lines)] == ["completed"] * 3
    assert (first["total"], first["offset"], first["limit"]) == (3, 0, 2)
    assert [e["id"] for e in first["items"] + rest["items"]] == [lines["id"], with_bom["id"], plain["id"]]
    assert [e["id"] for e in by_filter["items"]] == [lines["id"], with_bom["id"], plain["id"]]
    assert other == 404
    assert plain_bytes == "id,name\r\n1,Zoë\r\n2,Zoë\r\n3,Zoë\r\n4,Zoë\r\n5,Zoë\r\n".encode()
    assert bom_bytes == b"\xef\xbb\xbf" + plain_bytes
    assert refused.status_code == 422
    assert "csv_excel_bom applies to CSV exports only" in refused.text


async def test_an_export_fails_with_the_reason_while_the_store_is_down_and_its_retry_succeeds(
    tmp_path: Path, seaweed_endpoint: str, s3_bucket: S3Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    (port,) = free_ports(1)
    relay = TcpRelay(port, seaweed_endpoint)  # off: the store's port refuses connections

    def exporter_store(settings: BaseServiceSettings) -> ObjectStore:
        return s3_store_without_sdk_retries(relay.url, s3_bucket.bucket)  # fast failures, the exporter retries

    monkeypatch.setattr(dmb_exporter.bootstrap, "build_object_store", exporter_store)
    # Only the exporter's uploads go through the relay; the gateway reads the store directly.
    settings = s3_settings(seaweed_endpoint, s3_bucket.bucket) | {
        "export_upload_attempts": 2,
        "export_upload_first_delay": 0.01,
    }
    try:
        async with embedded_client(tmp_path, **settings) as client:
            table_id, _ = await make_table_with_rows(client, SMALL_SPEC, rows=3)
            failed = await export(client, table_id, format="csv")
            not_yet = await client.get(f"/api/v1/exports/{failed['id']}/download")

            await relay.start()  # the store is back
            retried = await client.post(f"/api/v1/exports/{failed['id']}/retry")
            assert retried.status_code == 202, retried.text
            done = await wait_for(client, f"/api/v1/exports/{retried.json()['id']}", {"completed", "failed"})
            content = (await client.get(done["download_url"])).content
            history = (await client.get(f"/api/v1/tables/{table_id}/exports")).json()
            again = await client.post(f"/api/v1/exports/{done['id']}/retry")
    finally:
        await relay.stop()

    assert failed["status"] == "failed"
    assert failed["download_url"] is None
    assert failed["reason"].startswith("the file store is unavailable; 2 attempts over ")
    assert str(port) not in failed["reason"]  # the endpoint is for the log only
    assert not_yet.status_code == 409
    assert done["status"] == "completed"
    assert (done["format"], done["rows"]) == ("csv", 3)
    assert content == "id,name\r\n1,Zoë\r\n2,Zoë\r\n3,Zoë\r\n".encode()
    assert [(e["id"], e["status"]) for e in history["items"]] == [(done["id"], "completed"), (failed["id"], "failed")]
    stored = [obj.object_name for obj in s3_bucket.client.list_objects(s3_bucket.bucket, recursive=True)]
    assert stored == [f"exports/{LOCAL_USER_ID.hex}/{uuid.UUID(done['id']).hex}/pets.csv"]  # nothing of the failure
    assert again.status_code == 409
