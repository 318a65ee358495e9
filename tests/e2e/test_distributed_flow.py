"""End to end, distributed mode: every service in its own process, over the real RabbitMQ, PostgreSQL
(one database per service plus the datasets database) and a real S3 endpoint (SeaweedFS)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
from dmb_testing.flow import check_workbook, reference_spec, run_flow
from dmb_testing.platform import distributed_platform


async def test_create_generate_export_download_over_rabbitmq_postgres_and_s3(
    tmp_path: Path, rabbitmq_url: str, seaweed_endpoint: str
) -> None:
    spec = reference_spec()
    with distributed_platform(tmp_path, rabbitmq_url, seaweed_endpoint) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            result = await run_flow(client, spec, rows=1000)
            check_workbook(result.workbook, spec, 1000)
            assert result.export["sha256"] == hashlib.sha256(result.workbook).hexdigest()
            assert all(column["violations"] == 0 for column in result.job["report"])
            listed = (await client.get("/api/v1/exports")).json()["items"]
            assert [item["id"] for item in listed] == [result.export["id"]]
            tables = (await client.get("/api/v1/tables")).json()
            dropped = await client.delete(f"/api/v1/tables/{tables['items'][0]['id']}")
            assert dropped.status_code == 202
