"""`dmb generators`, `dmb tables starters`, `dmb tables preview` and `dmb tables rows` against the embedded
platform served over real HTTP: what the web UI's values picker, templates, preview and data browser show."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from libs.cli.tests.test_cli_tables_and_exports import Platform, dmb, ok, serve


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with serve(tmp_path, monkeypatch) as served:
        yield served


def test_design_from_a_starter_preview_it_then_browse_the_rows(platform: Platform, tmp_path: Path) -> None:
    assert re.search(r"^Finance\s+iban\s+\S", ok("generators", "iban"), re.MULTILINE)
    assert "customers + orders" in ok("tables", "starters")
    ok("tables", "starters", "people", "-o", tmp_path)
    spec_file = tmp_path / "people.json"
    assert json.loads(spec_file.read_text())["table_name"] == "people"

    preview = ok("tables", "preview", spec_file, "--rows", "3", "--seed", "4").splitlines()
    assert preview[0].split()[:3] == ["id", "first_name", "last_name"]
    assert len(preview) == 4

    table_id = ok("tables", "create", spec_file).split()[0]
    ok("generate", table_id, "--rows", "40", "--seed", "4")
    page = ok("tables", "rows", table_id, "--sort", "id", "--desc", "--limit", "5").splitlines()
    assert page[1].split()[0] == "40"
    assert page[-1] == "rows 1-5 of 40"
    first = ok("tables", "rows", table_id, "--limit", "3").splitlines()
    assert first[1:4] == preview[1:4]  # the preview was the job's first rows

    refused = dmb("tables", "rows", table_id, "--filter", "nope=1")
    assert refused.exit_code == 1
    assert "'nope' is not a field" in refused.output
