"""schemathesis over every operation of /api/v1, against the embedded platform behind a real HTTP server in
token mode: no server error, every response as the OpenAPI document describes it (status, headers, body),
invalid input refused, wrong methods answered with 405 and Allow, no operation open without a token.

Fixed seed and bounded examples, so a run is reproducible and takes a minute or two on two cores. The run's
summary is printed at the end of the pytest output (dmb_testing.plugin.SUMMARY).

`positive_data_acceptance` is left out: the API refuses some schema-valid requests on purpose, for rules a
JSON Schema cannot state (a CREATE TABLE that does not parse, an index over a field the table lacks, a
reserved SQL word as a name, csv_excel_bom on an xlsx export); each gets a 422 that says why.
`allow_header_conformance` is left out while /dead-letters/{queue}/replay also matches
/dead-letters/{queue}/{letter_id} (GET, DELETE): the 405's Allow names what really routes there.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
from dmb_gateway.auth import provision_user
from dmb_gateway.settings import GatewaySettings
from dmb_testing.platform import embedded_server
from dmb_testing.plugin import SUMMARY

SEED = 42
MAX_EXAMPLES = 10
CHECKS = "all"
EXCLUDED_CHECKS = "positive_data_acceptance,allow_header_conformance"


def test_every_api_operation_holds_under_fuzzing(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    settings = GatewaySettings(data_dir=tmp_path, _env_file=None)
    token = asyncio.run(provision_user(settings.service_database_url("gateway"), "fuzzer@example.com"))
    with embedded_server(tmp_path, DMB_AUTH_MODE="token") as (url, _):
        document = httpx.get(f"{url}/api/v1/openapi.json").json()
        operations = sum(len(item) for path, item in document["paths"].items() if path.startswith("/api/v1/"))
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")),
                "run",
                f"{url}/api/v1/openapi.json",
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
    record_property(SUMMARY, summary)

    assert run.returncode == 0, output[-20000:]
    assert f"Tested: {operations}" in summary, summary  # every operation of the document was exercised
    assert "Failures:" not in summary, summary
