"""Per-user quotas on the embedded platform: a request past a limit is refused before anything is queued,
with the limit and the current usage in the message (422 for a too-big request, 429 for too much held)."""

from __future__ import annotations

from pathlib import Path

from dmb_testing import platform
from dmb_testing.flow import create_table, exported_rows, reference_spec, wait_for


async def test_each_quota_refuses_with_the_limit_and_the_usage(tmp_path: Path) -> None:
    quotas = {"quota_tables": 2, "quota_rows_per_job": 100, "quota_concurrent_jobs": 1, "quota_export_bytes": 1}
    async with platform.embedded_client(tmp_path, **quotas) as client:
        table = await create_table(client, reference_spec("people"))
        other = await create_table(client, reference_spec("more_people"))

        third = await client.post("/api/v1/tables", json=reference_spec("most_people"))
        assert third.status_code == 429
        assert third.json()["message"] == "Your quota allows 2 tables and you have 2; drop one to create another"

        too_big = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 101})
        assert too_big.status_code == 422
        assert too_big.json()["errors"] == [
            {"location": "rows", "message": "Your quota allows 100 rows per job; this job asks for 101"}
        ]
        batch = await client.post(
            "/api/v1/jobs",
            json={"tables": [{"table_id": table["id"], "rows": 5}, {"table_id": other["id"], "rows": 5}]},
        )
        # A batch runs its tables one at a time, so it asks for one job at once whatever its size.
        assert batch.status_code == 202, batch.text
        for entry in batch.json()["jobs"]:
            await wait_for(client, f"/api/v1/jobs/{entry['job_id']}", {"completed"})
        job = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 100})
        assert job.status_code == 202, job.text
        await wait_for(client, f"/api/v1/jobs/{job.json()['id']}", {"completed"})

        await exported_rows(client, table["id"])
        stored = await client.post(f"/api/v1/tables/{table['id']}/exports", json={"format": "csv"})
        assert stored.status_code == 429
        assert "allows 1 bytes of stored exports and yours hold" in stored.json()["message"]

        account = (await client.get("/api/v1/account")).json()
        assert account["quotas"] == {"rows_per_job": 100, "concurrent_jobs": 1, "tables": 2, "export_bytes": 1}
        assert account["usage"]["tables"] == 2
        assert account["usage"]["export_bytes"] > 0
