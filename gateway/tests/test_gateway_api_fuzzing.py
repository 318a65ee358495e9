"""schemathesis over every operation of /api/v1, against the embedded platform behind a real HTTP server in
token mode: no server error, every response as the OpenAPI document describes it (status, headers, body),
invalid input refused, wrong methods answered with 405 and Allow, no operation open without a token.

Fixed seed and bounded examples, so a run is reproducible; about 5,700 cases, 9 minutes on two cores under a
load of 17 (a floor; far less on an idle machine). The run's
summary is printed at the end of the pytest output (dmb_testing.plugin.SUMMARY).

`positive_data_acceptance` is left out: the API refuses some schema-valid requests on purpose, for rules a
JSON Schema cannot state (a CREATE TABLE that does not parse, an index over a field the table lacks, a
reserved SQL word as a name, csv_excel_bom on an xlsx export); each gets a 422 that says why.

Operations that take an id are fuzzed on real objects: before the run the fuzzer's user gets a table (with
rows), a job, an export, a second API token, an AI design and a vocabulary, and the document handed to
schemathesis names each of them as the only valid value of its id parameter (path and query); the quotas keep
the jobs it starts small (1,000 rows, two at once; past them a documented 422/429). Invalid ids are
still tried by the coverage phase (422), and another owner's ids by the isolation matrix. The HAR of the run
says how many requests reached a real object and what they got; the figures are printed with the summary.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_gateway.auth import provision_user
from dmb_gateway.settings import GatewaySettings
from dmb_testing.platform import embedded_server
from dmb_testing.plugin import SUMMARY

SEED = 42
MAX_EXAMPLES = 10
CHECKS = "all"
EXCLUDED_CHECKS = "positive_data_acceptance"
TABLE: dict[str, Any] = {
    "table_name": "fuzzed",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "city", "type": "string"},
    ],
}
QUOTAS = {
    "DMB_AUTH_MODE": "token",
    "DMB_AI_ALLOW_PRIVATE_ENDPOINTS": "true",
    "DMB_QUOTA_ROWS_PER_JOB": "1000",
    "DMB_QUOTA_CONCURRENT_JOBS": "2",
}
#: An address nothing answers on: the fuzzer's AI design and vocabulary exist (and fail) without a model.
NO_AI = "http://127.0.0.1:9/v1"


def settled(api: httpx.Client, path: str, done: set[str]) -> None:
    for _ in range(1200):
        if api.get(path).json()["status"] in done:
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} did not settle")


def seed_objects(api: httpx.Client) -> dict[str, str]:
    """The fuzzer's own table, job, export, spare API token, AI design and vocabulary: their ids by parameter."""
    table = api.post("/tables", json=TABLE)
    assert table.status_code == 202, table.text
    table_id = table.json()["id"]
    settled(api, f"/tables/{table_id}", {"created"})
    job = api.post(f"/tables/{table_id}/jobs", json={"rows": 30, "seed": 1})
    assert job.status_code == 202, job.text
    settled(api, f"/jobs/{job.json()['id']}", {"completed"})
    export = api.post(f"/tables/{table_id}/exports", json={"format": "csv"})
    assert export.status_code == 202, export.text
    settled(api, f"/exports/{export.json()['id']}", {"completed"})
    # A spare token: the fuzzer may revoke it, never the one it runs with.
    token = api.post("/tokens", json={"name": "spare"})
    assert token.status_code == 201, token.text
    assert api.put("/ai/settings", json={"base_url": NO_AI, "model": "m"}).status_code == 200
    design = api.post("/ai/designs", json={"sentence": "a shop"})
    assert design.status_code == 202, design.text
    vocabulary = api.post("/ai/vocabularies", json={"table_id": table_id, "field": "city"})
    assert vocabulary.status_code == 202, vocabulary.text
    return {
        "table_id": table_id,
        "job_id": job.json()["id"],
        "export_id": export.json()["id"],
        "token_id": token.json()["id"],
        "design_id": design.json()["id"],
        "vocabulary_id": vocabulary.json()["id"],
    }


def with_real_ids(document: dict[str, Any], ids: dict[str, str]) -> int:
    """Make each seeded object the only valid value of its id parameter; how many parameters were changed."""
    changed = 0
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in ids and parameter["in"] in ("path", "query"):
                    schema = parameter["schema"]
                    real = {"type": "string", "format": "uuid", "enum": [ids[parameter["name"]]]}
                    parameter["schema"] = real if "anyOf" not in schema else {"anyOf": [real, {"type": "null"}]}
                    changed += 1
    return changed


def real_id_figures(har: Path, ids: dict[str, str]) -> tuple[int, Counter[str]]:
    """Requests whose URL names a seeded object, and their statuses by class (2xx, 4xx, ...)."""
    entries = json.loads(har.read_text())["log"]["entries"]
    pattern = re.compile("|".join(re.escape(value) for value in ids.values()))
    statuses: Counter[str] = Counter()
    for entry in entries:
        if pattern.search(entry["request"]["url"]):
            statuses[f"{entry['response']['status']}"] += 1
    return sum(statuses.values()), statuses


# Start-up, seeding and the run: a few minutes on two busy cores, more than the suite's default of 300 s.
@pytest.mark.timeout(900)
def test_every_api_operation_holds_under_fuzzing(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    settings = GatewaySettings(data_dir=tmp_path, _env_file=None)
    token = asyncio.run(provision_user(settings.service_database_url("gateway"), "fuzzer@example.com"))
    har = tmp_path / "run.har"
    # Small quotas: with real tables the fuzzer starts jobs, which must stay small on a two-core machine.
    with embedded_server(tmp_path, **QUOTAS) as (url, _):
        with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}) as api:
            ids = seed_objects(api)
        document = httpx.get(f"{url}/api/v1/openapi.json", timeout=60).json()
        operations = sum(len(item) for path, item in document["paths"].items() if path.startswith("/api/v1/"))
        id_parameters = with_real_ids(document, ids)
        (tmp_path / "openapi.json").write_text(json.dumps(document))
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")),
                "run",
                str(tmp_path / "openapi.json"),
                "--url",
                url,
                "--report",
                "har",
                "--report-har-path",
                str(har),
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--exclude-checks",
                EXCLUDED_CHECKS,
                "--phases",
                "examples,coverage,fuzzing",
                "--seed",
                str(SEED),
                "--max-examples",
                str(MAX_EXAMPLES),
                "--workers",
                "1",
                "--no-color",
            ],
            cwd=tmp_path,  # schemathesis keeps a cache folder in its working directory
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    output = run.stdout + run.stderr
    # From the line of "=" above the title "SUMMARY" to the end: operations, phases, failures, cases, seed.
    summary = output[output.rfind("\n", 0, output.rfind("SUMMARY")) + 1 :] if "SUMMARY" in output else output[-4000:]
    requests, statuses = real_id_figures(har, ids) if har.exists() else (0, Counter())
    figures = (
        f"real ids: {len(ids)} objects seeded, {id_parameters} id parameters bound to them; "
        f"{requests} requests named one: " + ", ".join(f"{code} x {n}" for code, n in sorted(statuses.items()))
    )
    record_property(SUMMARY, f"{summary}\n{figures}")
    print(figures)

    assert run.returncode == 0, output[-20000:]
    assert f"Tested: {operations}" in summary, summary  # every operation of the document was exercised
    assert "Failures:" not in summary, summary
    assert id_parameters >= 20, figures
    # Most requests on a real object reach it (2xx); the rest are refusals of their bodies or states (4xx).
    successes = sum(n for code, n in statuses.items() if code.startswith("2"))
    assert successes >= 50, figures
    assert not any(code.startswith("5") for code in statuses), figures
