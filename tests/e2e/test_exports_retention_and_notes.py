"""Exports end to end on the embedded platform with S3 (SeaweedFS): files past the retention period are
deleted and the export shows as expired (its download answers 410, a retry exports it again); text cut to
Excel's cell limit is noted on the export and on the workbook's About sheet, which also shows the job's
timings and constraint report."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
from dmb_common.storage import S3Store
from dmb_testing.flow import wait_for
from dmb_testing.platform import embedded_client
from dmb_testing.seaweed import object_keys, s3_settings
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

SMALL_SPEC = {
    "table_name": "pets",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
        {"name": "name", "type": "string", "max_length": 40, "generator": {"kind": "choices", "values": ["Zoë"]}},
    ],
}
LONG_TEXT = "abc " * 10_000  # 40,000 characters: more than an Excel cell holds (32,767)
LONG_SPEC = {
    "table_name": "essays",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
        {"name": "essay_text", "type": "text", "generator": {"kind": "constant", "value": LONG_TEXT}},
    ],
}
#: Seconds a file is kept in the retention test (the setting is in days).
RETENTION_SECONDS = 3


async def make_table_with_rows(client: httpx.AsyncClient, spec: dict[str, Any], rows: int) -> str:
    return (await make_table_and_job(client, spec, rows))[0]


async def make_table_and_job(client: httpx.AsyncClient, spec: dict[str, Any], rows: int) -> tuple[str, str]:
    created = await client.post("/api/v1/tables", json=spec)
    assert created.status_code == 202, created.text
    table = await wait_for(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": rows, "seed": 1})
    job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})
    assert job["status"] == "completed", job
    return str(table["id"]), str(job["id"])


async def test_an_export_past_the_retention_period_is_deleted_shown_expired_and_can_be_exported_again(
    tmp_path: Path, seaweed_endpoint: str, s3_bucket: S3Store
) -> None:
    settings = s3_settings(seaweed_endpoint, s3_bucket.bucket) | {
        "export_retention_days": RETENTION_SECONDS / 86_400,
        "export_retention_sweep_seconds": 0.2,
    }
    async with embedded_client(tmp_path, **settings) as client:
        table_id = await make_table_with_rows(client, SMALL_SPEC, rows=3)
        requested = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "csv"})
        export_id = requested.json()["id"]
        done = await wait_for(client, f"/api/v1/exports/{export_id}", {"completed", "failed", "expired"})
        kept = object_keys(s3_bucket)

        expired = await wait_for(client, f"/api/v1/exports/{export_id}", {"expired"}, within=60)
        download = await client.get(f"/api/v1/exports/{export_id}/download")
        presigned = await client.get(f"/api/v1/exports/{export_id}/download?presigned=true")
        left = object_keys(s3_bucket)
        history = (await client.get(f"/api/v1/tables/{table_id}/exports")).json()

        retried = await client.post(f"/api/v1/exports/{export_id}/retry")
        assert retried.status_code == 202, retried.text
        again = await wait_for(client, f"/api/v1/exports/{retried.json()['id']}", {"completed", "failed", "expired"})

    assert done["status"] == "completed", done  # files live RETENTION_SECONDS: the export is seen complete first
    assert len(kept) == 1
    assert expired["download_url"] is None
    assert expired["reason"] == "its file was deleted at the end of the retention period (3 seconds)"
    assert download.status_code == 410
    assert download.json()["message"] == f"Export {export_id} has expired: {expired['reason']}"
    assert presigned.status_code == 410
    assert left == []
    assert [(e["id"], e["status"]) for e in history["items"]] == [(export_id, "expired")]
    assert again["status"] in ("completed", "expired")  # a new export of the same table; it too expires soon
    assert (again["format"], again["rows"]) == ("csv", 3)


async def test_text_cut_to_excels_cell_limit_is_noted_on_the_export_and_its_about_sheet(
    tmp_path: Path, seaweed_endpoint: str, s3_bucket: S3Store
) -> None:
    async with embedded_client(tmp_path, **s3_settings(seaweed_endpoint, s3_bucket.bucket)) as client:
        table_id = await make_table_with_rows(client, LONG_SPEC, rows=2)
        workbook_export = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "xlsx"})
        csv_export = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "csv"})
        workbook = await wait_for(client, f"/api/v1/exports/{workbook_export.json()['id']}", {"completed", "failed"})
        text = await wait_for(client, f"/api/v1/exports/{csv_export.json()['id']}", {"completed", "failed"})
        content = (await client.get(workbook["download_url"])).content
        csv_content = (await client.get(text["download_url"])).content

    assert workbook["status"] == "completed", workbook
    assert workbook["reason"] == "2 cell(s) were cut to Excel's limit of 32,767 characters (see the About sheet)"
    assert text["reason"] is None  # CSV has no cell limit: the text is whole
    assert csv_content.decode().count(LONG_TEXT) == 2

    sheets = load_workbook(io.BytesIO(content), read_only=True)
    about = {row[0]: row[1] for row in sheets["About"].iter_rows(values_only=True) if len(row) > 1 and row[0]}
    assert about["Truncated cells"] == "2 cell(s) cut to Excel's limit of 32,767 characters"
    bodies = [row[1] for row in sheets["essays"].iter_rows(min_row=2, values_only=True)]
    assert bodies == [LONG_TEXT[:32_767]] * 2
    second_reader = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("essays").to_python()
    assert [row[1] for row in second_reader[1:]] == [LONG_TEXT[:32_767]] * 2


async def test_the_about_sheet_shows_the_jobs_timings_and_constraint_report(
    tmp_path: Path, seaweed_endpoint: str, s3_bucket: S3Store
) -> None:
    async with embedded_client(tmp_path, **s3_settings(seaweed_endpoint, s3_bucket.bucket)) as client:
        table_id, job_id = await make_table_and_job(client, SMALL_SPEC, rows=4)
        job = (await client.get(f"/api/v1/jobs/{job_id}")).json()
        requested = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "xlsx", "job_id": job_id})
        done = await wait_for(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"})
        content = (await client.get(done["download_url"])).content

    assert done["status"] == "completed", done
    about = [row for row in load_workbook(io.BytesIO(content), read_only=True)["About"].iter_rows(values_only=True)]
    pairs = {row[0]: row[1] for row in about if len(row) > 1 and row[0]}
    assert pairs["Seed"] == "1"
    for label, seconds in (
        ("", job["seconds"]),
        (", rows", job["rows_seconds"]),
        (", constraint report", job["report_seconds"]),
    ):
        shown = pairs[f"Time: generation{label}"]  # "42 ms", "1.2 s": the job's figure in plain units
        assert shown == (f"{max(1, round(seconds * 1000))} ms" if seconds < 1 else f"{seconds:.1f} s"), (label, shown)
    assert re.fullmatch(r"\d+ ms|\d+\.\d s", pairs["Time: export"]), pairs["Time: export"]
    report = [row[1] for row in about if len(row) > 1 and row[0] is None and row[1]]
    assert report[:2] == [
        "id: 0 nulls, 4 distinct, 1 … 4, 0 violations",
        "name: 0 nulls, 1 distinct, Zoë … Zoë, 0 violations",
    ]
