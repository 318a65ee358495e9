"""The `dmb` commands for import, alter/history and the export history, run against the embedded platform
served over real HTTP in this process (the CLI finds it through DMB_URL, as it would from a shell)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from dmb_cli import calls
from dmb_cli.main import app
from dmb_testing.flow import VISITS_SPEC
from dmb_testing.platform import live_embedded
from openpyxl import load_workbook
from typer.testing import CliRunner

CUSTOMERS_SQL = """CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email varchar(254) NOT NULL UNIQUE,
  tags text[],
  joined date
)"""

PETS: dict[str, Any] = {
    "table_name": "pets",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "name", "type": "string", "max_length": 60, "generator": {"kind": "faker", "provider": "first_name"}},
        {"name": "code", "type": "text", "generator": {"kind": "faker", "provider": "word"}},
    ],
}


@dataclass
class Platform:
    url: str
    data_dir: Path


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with serve(tmp_path, monkeypatch) as served:
        yield served


@contextmanager
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **more: Any) -> Iterator[Platform]:
    """The whole platform (gateway + every service, in-process bus, SQLite) served by uvicorn on a thread;
    `more` are further GatewaySettings fields."""
    data_dir = tmp_path / "data"
    with live_embedded(data_dir, **({"export_upload_attempts": 1} | more)) as url:
        monkeypatch.setenv("DMB_URL", url)
        monkeypatch.delenv("DMB_TOKEN", raising=False)
        yield Platform(url, data_dir)


def dmb(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def ok(*args: str | Path) -> str:
    result = dmb(*args)
    assert result.exit_code == 0, result.output
    return result.output


def created_table(tmp_path: Path, spec: dict[str, Any]) -> str:
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec))
    return ok("tables", "create", spec_file).split()[0]


def test_import_proposes_a_spec_with_warnings_and_create_makes_the_table(platform: Platform, tmp_path: Path) -> None:
    sql_file = tmp_path / "customers.sql"
    sql_file.write_text(CUSTOMERS_SQL)
    spec_file = tmp_path / "proposal.json"

    reviewed = dmb("tables", "import", sql_file, "-o", spec_file)
    proposal = json.loads(spec_file.read_text())
    created = dmb("tables", "import", sql_file, "--dialect", "postgres", "--create")
    listed = ok("tables", "list")

    assert reviewed.exit_code == 0, reviewed.output
    assert "warning: tags: TEXT[] is not supported; imported as text" in reviewed.output
    assert proposal["table_name"] == "customers"
    assert [(f["name"], f["type"]) for f in proposal["fields"]] == [
        ("id", "big_integer"),
        ("email", "email"),
        ("tags", "text"),
        ("joined", "date"),
    ]
    assert created.exit_code == 0, created.output
    assert re.search(r"^[0-9a-f-]{36}  customers  created$", created.output, re.MULTILINE)
    assert re.search(r"customers\s+created\s+v1", listed)


def test_import_prints_the_proposal_and_refuses_what_is_not_a_table(platform: Platform, tmp_path: Path) -> None:
    good = tmp_path / "items.sql"
    good.write_text("CREATE TABLE `items` (`id` int NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`))")
    bad = tmp_path / "query.sql"
    bad.write_text("SELECT * FROM items")

    printed = dmb("tables", "import", good, "--dialect", "mysql")
    told = dmb("tables", "import", good, "--dialect", "auto")
    refused = dmb("tables", "import", bad)
    neither = dmb("tables", "import")

    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["table_name"] == "items"
    assert told.exit_code == 0, told.output
    assert json.loads(told.stdout) == json.loads(printed.stdout)
    assert "note: read as mysql SQL (--dialect to say otherwise)" in told.stderr
    assert refused.exit_code == 1
    assert refused.output == "error: 422: expected a CREATE TABLE statement, found SELECT\n"
    assert neither.exit_code == 1
    assert "give either a SQL file or --url" in neither.output


def test_import_from_a_database_url_reads_an_existing_table(platform: Platform, tmp_path: Path) -> None:
    platform.data_dir.mkdir(parents=True, exist_ok=True)
    legacy = platform.data_dir / "legacy.db"
    with sqlite3.connect(legacy) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, full_name VARCHAR(80) NOT NULL)")

    found = dmb("tables", "import", "--url", f"sqlite:///{legacy}", "--table", "people")
    outside = dmb("tables", "import", "--url", f"sqlite:///{tmp_path / 'elsewhere.db'}", "--table", "people")

    assert found.exit_code == 0, found.output
    assert [f["name"] for f in json.loads(found.stdout)["fields"]] == ["id", "full_name"]
    assert outside.exit_code == 1
    assert "SQLite files can be read only from the platform's data folder" in outside.output


def test_alter_makes_a_new_version_and_versions_lists_the_history(platform: Platform, tmp_path: Path) -> None:
    table_id = created_table(tmp_path, PETS)
    changed = json.loads(json.dumps(PETS))
    changed["fields"][1] = {"name": "full_name", "renamed_from": "name", "type": "string", "max_length": 200}
    changed["fields"].append({"name": "phone", "type": "string", "nullable": True})
    change_file = tmp_path / "v2.json"
    change_file.write_text(json.dumps(changed))

    altered = ok("tables", "alter", table_id, change_file)
    history = ok("tables", "versions", table_id)
    first = json.loads(ok("tables", "version", table_id, "1"))
    stale = dmb("tables", "alter", table_id, change_file, "--expected-version", "1")
    missing = dmb("tables", "version", table_id, "7")
    diff = ok("tables", "diff", table_id, "1", "2")
    same = ok("tables", "diff", table_id, "2", "2")

    assert altered == f"{table_id}  pets  now at version 2\n"
    lines = history.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("v1 ")
    assert lines[0].endswith("pets: created")
    assert lines[1].startswith("v2 ")
    assert "field phone added (string(255))" in lines[1]
    assert [f["name"] for f in first["spec"]["fields"]] == ["id", "name", "code"]
    assert diff.splitlines() == [
        "+ field full_name (string)",
        "+ field phone (string)",
        "- field name (string)",
    ]
    assert same == "versions 2 and 2 are the same\n"
    assert stale.exit_code == 1
    assert "409: conflict: the table is at version 2, not 1" in stale.output
    assert missing.exit_code == 1
    assert "404: Table 'pets' has no version 7" in missing.output


def test_a_refused_alter_exits_1_with_the_reason_and_changes_nothing(platform: Platform, tmp_path: Path) -> None:
    table_id = created_table(tmp_path, PETS)
    ok("generate", table_id, "--rows", "5", "--seed", "1")
    # `tables show` output, edited, is accepted as the new definition.
    before = json.loads(ok("tables", "show", table_id))
    shown = json.loads(json.dumps(before))
    shown["spec"]["fields"][2] = {"name": "code", "type": "integer"}  # words are not numbers
    change_file = tmp_path / "bad.json"
    change_file.write_text(json.dumps(shown))

    refused = dmb("tables", "alter", table_id, change_file)
    after = json.loads(ok("tables", "show", table_id))

    assert refused.exit_code == 1
    assert refused.output.startswith("error: the change was refused: ")
    assert "cannot change 'code' from text to integer" in refused.output
    assert "Traceback" not in refused.output
    assert (after["version"], after["spec"]) == (1, before["spec"])
    assert ok("tables", "versions", table_id).count("\n") == 1
    log = ok("tables", "migrations", table_id)
    newest = log.split("\n", 1)[0]
    assert " alter v1 → v2  rolled back " in newest, log
    assert "    reason: " in log
    assert "cannot change 'code' from text to integer" in log
    assert " create v1  applied " in log
    assert "    table pets created" in log
    assert json.loads(ok("tables", "migrations", table_id, "--json"))["total"] == 2
    other = dmb("tables", "migrations", "3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert other.exit_code == 1
    assert "No table with id" in other.output


def test_exports_list_shows_a_failure_and_retry_exports_again(platform: Platform, tmp_path: Path) -> None:
    table_id = created_table(tmp_path, PETS)
    ok("generate", table_id, "--rows", "3", "--seed", "7")
    # The local object folder cannot hold exports while a file sits where its folder belongs.
    blocker = platform.data_dir / "objects" / "exports"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")

    failed = dmb("export", table_id, "--format", "csv")
    history = ok("exports", "list")
    failed_id = history.split()[0]
    blocker.unlink()
    download = tmp_path / "pets.csv"
    retried = ok("exports", "retry", failed_id, "-o", download)
    newest = dmb("exports", "list", "--table", table_id, "--limit", "1")
    older = ok("exports", "list", "--table", table_id, "--offset", "1")
    again = dmb("exports", "retry", failed_id.replace(failed_id[:8], "00000000"))

    assert failed.exit_code == 1
    assert "failed: the file store is unavailable; 1 attempt over" in failed.output
    assert re.search(rf"^{failed_id}  csv\s+failed\s+.*the file store is unavailable", history, re.MULTILINE)
    assert retried.startswith(f"saved {download}")
    assert download.read_bytes().startswith(b"id,name,code\r\n1,")
    assert newest.exit_code == 0
    assert re.search(r"^\S+  csv\s+completed\s+3  ", newest.stdout)
    assert "1-1 of 2 exports (see more with --offset)" in newest.output
    assert older.startswith(failed_id)
    assert again.exit_code == 1
    assert again.output.startswith("error: 404: No export with id 00000000")


def test_export_with_excel_bom_starts_the_csv_with_a_byte_order_mark(platform: Platform, tmp_path: Path) -> None:
    table_id = created_table(tmp_path, PETS)
    ok("generate", table_id, "--rows", "2", "--seed", "3")
    with_bom, plain = tmp_path / "bom.csv", tmp_path / "plain.csv"

    ok("export", table_id, "--format", "csv", "--excel-bom", "-o", with_bom)
    ok("export", table_id, "--format", "csv", "-o", plain)
    refused = dmb("export", table_id, "--format", "xlsx", "--excel-bom")

    assert with_bom.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    assert refused.exit_code == 1
    assert "csv_excel_bom applies to CSV exports only, not xlsx" in refused.output


def test_restore_brings_back_an_earlier_version_as_a_new_one(platform: Platform, tmp_path: Path) -> None:
    table_id = created_table(tmp_path, PETS)
    changed = json.loads(json.dumps(PETS))
    changed["fields"][1] = {"name": "full_name", "renamed_from": "name", "type": "string", "max_length": 200}
    change_file = tmp_path / "v2.json"
    change_file.write_text(json.dumps(changed))
    ok("tables", "alter", table_id, change_file)
    ok("generate", table_id, "--rows", "4", "--seed", "2")

    restored = ok("tables", "restore", table_id, "1")
    shown = json.loads(ok("tables", "show", table_id))
    history = ok("tables", "versions", table_id).splitlines()
    stale = dmb("tables", "restore", table_id, "2", "--expected-version", "2")
    current = dmb("tables", "restore", table_id, "3")

    assert restored == f"{table_id}  pets  restored version 1 as version 3\n"
    assert shown["version"] == 3
    assert [f["name"] for f in shown["spec"]["fields"]] == ["id", "name", "code"]
    assert len(history) == 3
    assert "restored version 1" in history[2]
    assert stale.exit_code == 1
    assert "409: conflict: the table is at version 3, not 2" in stale.output
    assert current.exit_code == 1
    assert "Version 3 is the current version of 'pets'" in current.output


def test_a_refused_restore_exits_1_with_the_reason_and_changes_nothing(platform: Platform, tmp_path: Path) -> None:
    numbers = json.loads(json.dumps(PETS))
    numbers["fields"][2] = {"name": "code", "type": "integer"}
    table_id = created_table(tmp_path, numbers)
    words_file = tmp_path / "words.json"
    words_file.write_text(json.dumps(PETS))  # code becomes text, then holds words
    ok("tables", "alter", table_id, words_file)
    ok("generate", table_id, "--rows", "5", "--seed", "1")

    refused = dmb("tables", "restore", table_id, "1")
    after = json.loads(ok("tables", "show", table_id))

    assert refused.exit_code == 1
    assert refused.output.startswith("error: the restore was refused: ")
    assert "cannot change 'code' from text to integer" in refused.output
    assert "Traceback" not in refused.output
    assert (after["status"], after["version"]) == ("created", 2)
    assert after["spec"]["fields"][2]["type"] == "text"


CUSTOMERS: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "city", "type": "string", "max_length": 40, "generator": {"kind": "choices", "values": ["Lyon"]}},
    ],
}
ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 100}},
        {"name": "customer_id", "type": "foreign_key", "references": {"table": "customers", "field": "id"}},
    ],
}


def test_export_with_more_tables_makes_one_workbook_listed_under_each_table(platform: Platform, tmp_path: Path) -> None:
    customers = created_table(tmp_path, CUSTOMERS)
    orders = created_table(tmp_path, ORDERS)
    ok("generate", customers, "--rows", "2", "--seed", "1")
    ok("generate", orders, "--rows", "3", "--seed", "1")
    download = tmp_path / "shop.xlsx"

    ok("export", orders, "--table", customers, "-o", download)
    of_customers = ok("exports", "list", "--table", customers)
    of_orders = ok("exports", "list", "--table", orders)
    as_csv = dmb("export", orders, "-t", customers, "--format", "csv")
    with_job = dmb("export", orders, "-t", customers, "--job", orders)

    workbook = load_workbook(download, read_only=True)
    assert workbook.sheetnames == ["customers", "orders", "About"]
    assert len([row for row in workbook["orders"].iter_rows(values_only=True)]) == 4
    assert re.search(r"^\S+  xlsx\s+completed\s+5  ", of_customers)
    assert of_customers == of_orders
    assert as_csv.exit_code == 1
    assert "several tables go into one xlsx workbook or sql script; csv holds one table" in as_csv.output
    assert with_job.exit_code == 1
    assert "--job records one table's provenance" in with_job.output


def test_downloading_an_expired_export_prints_why_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(tmp_path, monkeypatch, export_retention_days=3 / 86_400, export_retention_sweep_seconds=0.2):
        table_id = created_table(tmp_path, PETS)
        ok("generate", table_id, "--rows", "2", "--seed", "1")
        export_id = ok("export", table_id, "--format", "jsonl").split()[0]
        for _ in range(150):
            if " expired " in ok("exports", "list"):
                break
            time.sleep(0.2)
        history = ok("exports", "list")
        gone = dmb("exports", "download", export_id, tmp_path / "pets.jsonl")

    reason = "its file was deleted at the end of the retention period (3 seconds)"
    assert re.search(rf"^{export_id}  jsonl\s+expired\s+2  .*{re.escape(reason)}$", history, re.MULTILINE)
    assert gone.exit_code == 1
    assert gone.output == f"error: expired: {reason}\n"
    assert not (tmp_path / "pets.jsonl").exists()


def test_generate_batch_fills_parents_first_and_prints_a_line_per_table(platform: Platform, tmp_path: Path) -> None:
    customers = created_table(tmp_path, CUSTOMERS)
    orders = created_table(tmp_path, ORDERS)

    output = ok("generate-batch", "--table", f"{orders}:6", "-t", customers, "--rows", "3", "--seed", "9")
    bad_rows = dmb("generate-batch", "--table", f"{orders}:many")
    twice = dmb("generate-batch", "-t", customers, "-t", customers)

    jobs = [line for line in output.splitlines() if not line.startswith("  ")]
    assert len(jobs) == 2
    assert re.match(rf"^{orders}  \S+  completed  6/6 rows  seed \d+$", jobs[0])
    assert re.match(rf"^{customers}  \S+  completed  3/3 rows  seed \d+$", jobs[1])
    # Each job's line is followed by its own time and constraint report.
    orders_report, customers_report = output.split(jobs[1])
    assert re.search(r"^  id +0 \(0\.0%\) +6 +100 +105 +0$", orders_report, re.MULTILINE)
    assert re.search(r"^  customer_id +0 \(0\.0%\) +\d +[123] +[123] +0$", orders_report, re.MULTILINE)
    assert re.search(r"^  id +0 \(0\.0%\) +3 +1 +3 +0$", customers_report, re.MULTILINE)
    assert re.search(r"^  city +0 \(0\.0%\) +1 +Lyon +Lyon +0$", customers_report, re.MULTILINE)
    assert output.count("  completed in ") == 2
    download = tmp_path / "shop.xlsx"
    ok("export", orders, "--table", customers, "-o", download)
    workbook = load_workbook(download, read_only=True)
    customer_ids = {row[0] for row in workbook["customers"].iter_rows(min_row=2, values_only=True)}
    order_customers = {row[1] for row in workbook["orders"].iter_rows(min_row=2, values_only=True)}
    assert customer_ids == {1, 2, 3}
    assert order_customers <= customer_ids
    assert bad_rows.exit_code == 1
    assert "the rows after ':' must be a whole number above 0" in bad_rows.output
    assert twice.exit_code == 1
    assert "a table appears twice in the batch" in twice.output


VISITS = VISITS_SPEC


def test_generate_prints_the_time_the_constraint_report_and_the_notes(platform: Platform, tmp_path: Path) -> None:
    created_table(tmp_path, CUSTOMERS)  # left empty: the visits' customer_id falls back to null, with a note
    visits = created_table(tmp_path, VISITS)

    result = dmb("generate", visits, "--rows", "4", "--seed", "5")
    job_id = result.stdout.split()[0]
    job = json.loads(ok("jobs", "show", job_id))

    assert result.exit_code == 0, result.output
    line, timing, *table = result.stdout.splitlines()
    assert re.fullmatch(rf"{job_id}  completed  4/4 rows  seed 5", line)
    assert timing == (
        f"  completed in {job['seconds']:.2f} s: rows {job['rows_seconds']:.2f} s, "
        f"constraint report {job['report_seconds']:.2f} s; generator {job['generator_version']}"
    )
    assert [cell.split() for cell in table] == [
        ["field", "nulls", "distinct", "min", "max", "violations"],
        ["id", "0", "(0.0%)", "4", "1", "4", "0"],
        ["city", "0", "(0.0%)", "1", "Lyon", "Lyon", "0"],
        ["customer_id", "4", "(100.0%)", "0", "0"],
        ["unique", "index", "uq_visits_city_id", "0", "(0.0%)", "4", "0"],
    ]
    # Aligned: the header's columns start where the values do, and the right-aligned violations end together.
    assert len({len(row) for row in table}) == 1
    assert table[2].index("Lyon") == table[0].index("min")
    assert result.stderr == "note: field 'customer_id': 'customers' had no rows when the job started; left empty\n"


def test_no_report_keeps_the_one_line_output(platform: Platform, tmp_path: Path) -> None:
    customers = created_table(tmp_path, CUSTOMERS)
    visits = created_table(tmp_path, VISITS)

    single = dmb("generate", visits, "--rows", "2", "--seed", "1", "--no-report")
    batch = dmb("generate-batch", "-t", f"{customers}:3", "--seed", "1", "--no-report")

    assert single.exit_code == 0, single.output
    assert re.fullmatch(r"\S+  completed  2/2 rows  seed 1\n", single.output)
    assert batch.exit_code == 0, batch.output
    assert re.fullmatch(rf"{customers}  \S+  completed  3/3 rows  seed \d+\n", batch.output)


#: Fields without a generator (inferred, and an email built from the names), one with choices, one AI field.
SHOP: dict[str, Any] = {
    "table_name": "shop",
    "fields": [
        {"name": "first_name", "type": "string"},
        {"name": "last_name", "type": "string"},
        {"name": "email", "type": "email"},
        {"name": "city", "type": "string", "generator": {"kind": "ai", "instructions": "French cities"}},
        {"name": "price", "type": "decimal"},
        {"name": "size", "type": "string", "max_length": 1, "choices": ["S", "M"]},
    ],
}
#: Aligned: each column as wide as its longest cell, two spaces apart.
SHOP_GENERATORS = [
    "field       source                               values",
    "first_name  inferred from its name and type      faker first_name()",
    "last_name   inferred from its name and type      faker last_name()",
    "email       built from first_name and last_name  template {first_name|ascii|lower}.{last_name|ascii|lower}@example.com",
    "city        your generator                       AI: French cities; if the AI step fails: faker city()",
    "price       inferred from its name and type      range 1 … 1000",
    "size        from its choices                     choices: S, M",
]


def test_tables_generators_prints_what_makes_each_fields_values(platform: Platform, tmp_path: Path) -> None:
    shop = created_table(tmp_path, SHOP)

    output = ok("tables", "generators", shop)

    assert output.splitlines() == SHOP_GENERATORS


def test_tables_generators_previews_a_definition_file_without_creating_it(platform: Platform, tmp_path: Path) -> None:
    spec_file = tmp_path / "shop.json"
    spec_file.write_text(json.dumps(SHOP))
    shown = tmp_path / "shown.json"  # `tables show` output works too: its "spec" is read
    shown.write_text(json.dumps({"id": "x", "spec": SHOP}))

    preview = ok("tables", "generators", "--file", spec_file)
    from_show = ok("tables", "generators", "--file", shown)

    assert preview.splitlines() == SHOP_GENERATORS
    assert from_show == preview
    assert ok("tables", "list") == ""


def test_tables_generators_refuses_an_invalid_definition_or_a_wrong_call(platform: Platform, tmp_path: Path) -> None:
    spec_file = tmp_path / "bad.json"
    spec_file.write_text(
        json.dumps({"table_name": "bad", "fields": [{"name": "flag", "type": "boolean", "unique": True}]})
    )

    invalid = dmb("tables", "generators", "--file", spec_file)
    both = dmb("tables", "generators", "some-id", "--file", spec_file)
    neither = dmb("tables", "generators")

    assert invalid.exit_code == 1
    assert (
        "422: Invalid request: fields.0: flag: a boolean field has only two values and cannot be unique"
        in invalid.output
    )
    assert both.exit_code == neither.exit_code == 1
    assert "give a table id or --file SPEC.json (one of them)" in both.output


def test_import_of_a_whole_dump_creates_the_set_in_one_action(platform: Platform, tmp_path: Path) -> None:
    dump = tmp_path / "music.sql"
    dump.write_text(
        "CREATE TABLE track (id int NOT NULL, name varchar(100));\n"
        "CREATE TABLE playlist_track (playlist_id int NOT NULL, track_id int NOT NULL);\n"
        "CREATE TABLE playlist (id int NOT NULL, name varchar(100));\n"
        "ALTER TABLE ONLY track ADD CONSTRAINT track_pkey PRIMARY KEY (id);\n"
        "ALTER TABLE ONLY playlist ADD CONSTRAINT playlist_pkey PRIMARY KEY (id);\n"
        "ALTER TABLE ONLY playlist_track ADD CONSTRAINT pt_pkey PRIMARY KEY (playlist_id, track_id);\n"
        "ALTER TABLE ONLY playlist_track ADD CONSTRAINT pt_p FOREIGN KEY (playlist_id) REFERENCES playlist(id);\n"
        "ALTER TABLE ONLY playlist_track ADD CONSTRAINT pt_t FOREIGN KEY (track_id) REFERENCES track(id);\n"
    )
    proposal_file = tmp_path / "set.json"

    reviewed = dmb("tables", "import", dump, "-o", proposal_file)
    created = dmb("tables", "create", proposal_file)

    assert reviewed.exit_code == 0, reviewed.output
    proposal = json.loads(proposal_file.read_text())
    assert [spec["table_name"] for spec in proposal["tables"]] == ["track", "playlist", "playlist_track"]
    assert created.exit_code == 0, created.output
    assert re.findall(r"^[0-9a-f-]{36}  (\w+)  created$", created.output, re.MULTILINE) == [
        "track",
        "playlist",
        "playlist_track",
    ]


def test_generate_with_ai_options_reports_an_unreachable_model_and_never_shows_the_key(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-cli-key-NEVER-SHOWN-7"
    spec = {
        "table_name": "tickets",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
            {"name": "subject", "type": "string", "max_length": 120, "generator": {"kind": "ai"}},
        ],
    }
    table_id = created_table(tmp_path, spec)
    monkeypatch.setenv("DMB_JOB_AI_KEY", key)
    # Port 9 (discard) has no server: the model endpoint is down, the job still completes, with Faker.
    result = dmb(
        "generate", table_id, "--rows", "20", "--ai-context", "IT helpdesk", "--ai-base-url", "http://127.0.0.1:9/v1"
    )

    assert result.exit_code == 0, result.output
    assert "completed" in result.output
    assert "note: AI values unavailable, Faker used instead: the model endpoint could not be reached" in result.output
    job_id = result.output.split()[0]
    shown = ok("jobs", "show", job_id)
    assert '"status": "completed"' in shown
    assert key not in result.output + shown


def test_export_as_a_sql_script_for_a_dialect_and_as_parquet(platform: Platform, tmp_path: Path) -> None:
    customers = created_table(tmp_path, CUSTOMERS)
    orders = created_table(tmp_path, ORDERS)
    ok("generate", customers, "--rows", "2", "--seed", "1")
    ok("generate", orders, "--rows", "3", "--seed", "1")
    script, parquet = tmp_path / "shop.sql", tmp_path / "customers.parquet"

    ok("export", orders, "-t", customers, "--format", "sql", "--dialect", "sqlite", "-o", script)
    ok("export", customers, "--format", "parquet", "-o", parquet)
    copy_for_sqlite = dmb("export", customers, "--format", "sql", "--dialect", "sqlite", "--copy")

    with sqlite3.connect(":memory:") as conn:
        conn.executescript(script.read_text(encoding="utf-8"))
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (3,)
    assert parquet.read_bytes()[:4] == b"PAR1"
    assert copy_for_sqlite.exit_code == 1
    assert "sql_copy applies to sql exports for the postgres dialect only" in copy_for_sqlite.output


def test_create_generate_and_export_follow_the_event_streams_without_polling(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each wait follows its table's, job's or export's server-sent events: a poll (a sleep between two reads)
    # would fail the command. Before the streams, each wait lost up to 0.3 s to its polling interval.
    class NoPolling:
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            raise AssertionError(f"the command polled (slept {seconds} s)")

    monkeypatch.setattr(calls, "time", NoPolling)  # the CLI's waits only: the platform keeps the real module
    pets = created_table(tmp_path, PETS)
    ok("generate", pets, "--rows", "300", "--seed", "2")
    target = tmp_path / "pets.csv"
    ok("export", pets, "--format", "csv", "-o", target)
    assert len(target.read_text(encoding="utf-8").splitlines()) == 301
