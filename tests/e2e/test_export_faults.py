"""Exports under faults, distributed (a process per service, RabbitMQ, PostgreSQL, SeaweedFS S3): an exporter
killed mid-export is replaced and the export finishes with no temp file and no partial object; with the
file store down an export fails in plain words and a download answers 503 + Retry-After; once the store is
back, a retry works."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from dmb_testing.faults import TcpRelay
from dmb_testing.flow import check_workbook, create_table, reference_spec, wait_for
from dmb_testing.load import unique_name
from dmb_testing.platform import platform_processes
from dmb_testing.seaweed import ACCESS_KEY, SECRET_KEY, free_ports, object_keys

ROWS = 60_000


async def filled_table(client: httpx.AsyncClient, rows: int) -> dict[str, object]:
    table = await create_table(client, reference_spec(unique_name("people")))
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": rows, "seed": 7})
    assert started.status_code == 202, started.text
    job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed"}, within=300)
    assert job["status"] == "completed", job
    return table


def leftovers(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


async def test_an_exporter_killed_mid_export_is_replaced_and_the_export_completes_with_no_temp_file_or_partial_object(
    tmp_path: Path, rabbitmq_url: str, seaweed_endpoint: str
) -> None:
    from dmb_common.storage import S3Store

    temp = tmp_path / "export-tmp"
    env = {"DMB_EXPORT_TEMP_DIR": str(temp)}
    with platform_processes(tmp_path, rabbitmq_url, seaweed_endpoint, env=env) as platform:
        async with httpx.AsyncClient(base_url=platform.url, timeout=120) as client:
            table = await filled_table(client, ROWS)
            requested = await client.post(f"/api/v1/tables/{table['id']}/exports", json={"format": "xlsx"})
            assert requested.status_code == 202, requested.text
            export_path = f"/api/v1/exports/{requested.json()['id']}"

            # Running, with its progress, while the workbook is being written.
            deadline = time.monotonic() + 120
            while True:
                state = (await client.get(export_path)).json()
                if state["status"] == "running" and any(path.stat().st_size > 0 for path in leftovers(temp)):
                    break
                assert time.monotonic() < deadline, f"the export never showed running: {state}"
                await asyncio.sleep(0.05)
            assert state["rows_total"] == ROWS
            assert 0 <= state["rows_written"] < ROWS
            platform.of("exporter")[0].kill()
            assert leftovers(temp), "the killed exporter's file is left behind"

            platform.start("exporter")  # sweeps the leftover at start-up, then takes the redelivered request
            export = await wait_for(client, export_path, {"completed", "failed"}, within=300)
            assert export["status"] == "completed", export
            assert export["rows"] == ROWS
            download = await client.get(export["download_url"])
            assert download.status_code == 200
            check_workbook(download.content, reference_spec(), ROWS)
            assert leftovers(temp) == []
            store = S3Store(seaweed_endpoint, ACCESS_KEY, SECRET_KEY, platform.env["DMB_S3_BUCKET"])
            keys = object_keys(store)  # the completed workbook only: nothing half-uploaded by the killed one
            assert len(keys) == 1, keys
            assert export["id"].replace("-", "") in keys[0]


async def test_with_the_file_store_down_exports_fail_plainly_downloads_answer_503_and_a_retry_works_once_it_is_back(
    tmp_path: Path, rabbitmq_url: str, seaweed_endpoint: str
) -> None:
    (port,) = free_ports(1)
    relay = TcpRelay(port, seaweed_endpoint)  # the services' only way to the store
    await relay.start()
    env = {
        "DMB_S3_ENDPOINT": relay.url,
        "DMB_EXPORT_UPLOAD_ATTEMPTS": "2",
        "DMB_EXPORT_UPLOAD_FIRST_DELAY": "0.2",
    }
    try:
        with platform_processes(tmp_path, rabbitmq_url, seaweed_endpoint, env=env) as platform:
            bucket = platform.env["DMB_S3_BUCKET"]
            async with httpx.AsyncClient(base_url=platform.url, timeout=120) as client:
                table = await filled_table(client, 1000)
                exports = f"/api/v1/tables/{table['id']}/exports"
                earlier = await client.post(exports, json={"format": "csv"})
                done = await wait_for(client, f"/api/v1/exports/{earlier.json()['id']}", {"completed", "failed"})
                assert done["status"] == "completed", done

                await relay.stop()  # the store goes down
                download = await client.get(done["download_url"])
                assert download.status_code == 503, download.text
                assert download.headers["retry-after"].isdigit()
                message = download.json()["message"]
                assert "file store is unavailable" in message
                assert str(port) not in message
                assert bucket not in message

                during = await client.post(exports, json={"format": "csv"})
                failed = await wait_for(client, f"/api/v1/exports/{during.json()['id']}", {"completed", "failed"})
                assert failed["status"] == "failed", failed
                assert failed["reason"].startswith("the file store is unavailable; 2 attempts over "), failed
                assert str(port) not in failed["reason"]
                assert bucket not in failed["reason"]
                assert "exports/" not in failed["reason"]

                await relay.start()  # the store is back
                again = await client.get(done["download_url"])
                assert again.status_code == 200
                assert len(again.text.strip().splitlines()) == 1 + 1000
                retried = await client.post(f"/api/v1/exports/{failed['id']}/retry")
                assert retried.status_code == 202, retried.text
                redone = await wait_for(client, f"/api/v1/exports/{retried.json()['id']}", {"completed", "failed"})
                assert redone["status"] == "completed", redone
                assert (await client.get(redone["download_url"])).status_code == 200
    finally:
        await relay.stop()
