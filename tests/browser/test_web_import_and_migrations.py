"""The import page (a whole dump reviewed and created as one set), the table page's migration log and the SQL
dialect picker of its export controls, in a real browser; axe-core finds nothing serious on any of them."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing.browser import serious_violations
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.xdist_group("browser")

#: A MySQL dump (mysqldump --no-data form): three tables, the foreign keys added at the end by ALTER TABLE.
DUMP = """/*!40101 SET NAMES utf8mb4 */;
CREATE TABLE `invoice_lines` (
  `id` int NOT NULL AUTO_INCREMENT,
  `invoice_id` int NOT NULL,
  `quantity` smallint unsigned NOT NULL,
  `note` geometry DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE `invoices` (
  `id` int NOT NULL AUTO_INCREMENT,
  `client_id` int NOT NULL,
  `issued` datetime NOT NULL,
  `status` enum('draft','sent','paid') NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE `clients` (
  `id` int NOT NULL AUTO_INCREMENT,
  `email` varchar(254) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `clients_email` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
ALTER TABLE `invoice_lines` ADD CONSTRAINT `invoice_lines_invoice` FOREIGN KEY (`invoice_id`) REFERENCES `invoices` (`id`);
ALTER TABLE `invoices` ADD CONSTRAINT `invoices_client` FOREIGN KEY (`client_id`) REFERENCES `clients` (`id`);
"""

PETS: dict[str, Any] = {
    "table_name": "pets",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "name", "type": "string", "max_length": 40},
        {"name": "code", "type": "text", "generator": {"kind": "faker", "provider": "word"}},
    ],
}


def settled(api: httpx.Client, path: str, done: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while (state := api.get(path).json())["status"] not in done:
        assert time.monotonic() < deadline, f"{path} stayed {state['status']}"
        time.sleep(0.1)
    return dict(state)


def test_a_pasted_dump_is_reviewed_whole_and_created_parents_first(page: Page, api: httpx.Client) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import a schema")).to_be_visible()
    page.get_by_label("SQL dump").fill(DUMP)
    page.get_by_role("button", name="Read the tables").click()

    expect(page.locator("#read-status")).to_contain_text(
        "3 tables found, read as MySQL / MariaDB (found out from the file)"
    )
    review = page.locator("#proposed .proposed")
    expect(review).to_have_count(3)
    # Parents first, every field shown with its key, and what could not be mapped said per table.
    assert [review.nth(i).locator(".p-name").input_value() for i in range(3)] == [
        "clients",
        "invoices",
        "invoice_lines",
    ]
    invoices = review.nth(1)
    expect(invoices.locator(".p-refs")).to_have_text("4 fields · points at clients")
    expect(invoices.locator("tbody tr").nth(1)).to_contain_text("→ clients.id")
    expect(invoices.locator("tbody tr").nth(0)).to_contain_text("primary key")
    expect(review.nth(2).locator(".p-warnings")).to_contain_text("note")
    expect(review.nth(0).locator(".p-warnings-box")).to_be_hidden()
    expect(invoices.locator("tbody tr").nth(3).locator("td").nth(4)).not_to_have_text("…")
    assert serious_violations(page) == []

    # Renaming a parent carries its foreign keys along; leaving it out says who needs it.
    review.nth(0).locator(".p-name").fill("customers")
    review.nth(0).locator(".p-name").press("Tab")
    expect(invoices.locator(".p-refs")).to_have_text("4 fields · points at customers")
    review.nth(0).locator(".p-pick").uncheck()
    expect(invoices.locator(".p-error")).to_contain_text("It points at customers, which you left out")
    expect(page.locator("#create-label")).to_have_text("Create 2 tables")
    review.nth(0).locator(".p-pick").check()
    expect(invoices.locator(".p-error")).to_be_hidden()

    page.get_by_role("button", name="Create 3 tables").click()
    expect(page.locator("#create-status")).to_contain_text(
        "3 tables created: customers, invoices, invoice_lines", timeout=60_000
    )
    expect(page.get_by_role("link", name="Generate rows for them")).to_be_visible()

    tables = {t["table_name"]: t for t in api.get("/tables").json()["items"]}
    assert {"customers", "invoices", "invoice_lines"} <= set(tables)
    assert all(tables[name]["status"] == "created" for name in ("customers", "invoices", "invoice_lines"))
    client_id = next(f for f in tables["invoices"]["spec"]["fields"] if f["name"] == "client_id")
    assert client_id["references"]["table"] == "customers"
    page.locator("#created-links").get_by_role("link", name="invoice_lines").click()
    expect(page.get_by_role("heading", name="invoice_lines")).to_be_visible()


def test_a_dump_that_is_not_sql_is_explained_next_to_the_box(page: Page, watch: Any) -> None:
    watch.refusals_expected = True
    page.goto("/tables/import")
    page.get_by_role("button", name="Read the tables").click()
    expect(page.locator("#dump-error")).to_have_text("Paste a schema dump or upload a .sql file first.")
    page.get_by_label("SQL dump").fill("SELECT 1;")
    page.get_by_label("Written for").select_option("postgres")
    page.get_by_role("button", name="Read the tables").click()
    expect(page.locator("#dump-error")).to_contain_text("CREATE TABLE")
    expect(page.locator("#review")).to_be_hidden()


def test_the_migration_log_shows_each_change_and_a_rolled_back_one_with_its_reason(
    page: Page, api: httpx.Client
) -> None:
    table_id = api.post("/tables", json=PETS).json()["id"]
    settled(api, f"/tables/{table_id}", {"created"})
    job = api.post(f"/tables/{table_id}/jobs", json={"rows": 5, "seed": 1}).json()
    settled(api, f"/jobs/{job['id']}", {"completed"})
    added = {**PETS, "fields": [*PETS["fields"], {"name": "born", "type": "date", "nullable": True}]}
    assert api.put(f"/tables/{table_id}", json={"expected_version": 1, "spec": added}).status_code == 202
    settled(api, f"/tables/{table_id}", {"created"})
    words = {**added, "fields": [*added["fields"][:2], {"name": "code", "type": "integer"}, added["fields"][3]]}
    assert api.put(f"/tables/{table_id}", json={"expected_version": 2, "spec": words}).status_code == 202
    settled(api, f"/tables/{table_id}", {"created"})

    page.goto(f"/tables/{table_id}")
    log = page.locator("#migrations .migration")
    expect(log).to_have_count(3)
    expect(log.nth(0).locator(".m-title")).to_have_text("Changed · version 2 → version 3")
    expect(log.nth(0).locator(".m-status")).to_have_text("rolled back")
    expect(log.nth(0).locator(".m-reason")).to_contain_text("cannot change 'code' from text to integer")
    expect(log.nth(1).locator(".m-status")).to_have_text("applied")
    expect(log.nth(1).locator(".m-changes")).to_contain_text("field born added (date)")
    expect(log.nth(2).locator(".m-title")).to_have_text("Created · version 1")
    expect(log.nth(2).locator(".m-changes li").first).to_have_text("table pets created")
    expect(log.nth(2).locator(".m-when")).to_contain_text("took")
    assert serious_violations(page) == []


def test_the_sql_dialect_picker_exports_mysql_and_postgres_copy(page: Page, api: httpx.Client, tmp_path: Path) -> None:
    table_id = api.post("/tables", json={**PETS, "table_name": "animals"}).json()["id"]
    settled(api, f"/tables/{table_id}", {"created"})

    page.goto(f"/tables/{table_id}")
    expect(page.locator("#sql-box")).to_be_hidden()
    page.locator("#rows").fill("20")
    page.get_by_label("Download as").select_option("sql")
    expect(page.locator("#sql-box")).to_be_visible()
    page.get_by_label("SQL for").select_option("mysql")
    expect(page.locator("#sql-copy-box")).to_be_hidden()
    assert serious_violations(page) == []
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Generate and download").click()
    mysql = Path(download.value.path()).read_text()
    assert mysql.startswith("-- Dynamic Model Builder export for MySQL/MariaDB\n")
    assert "INSERT INTO" in mysql
    bar = page.locator("#job-bar")  # a finished job's bar is plain green, not striped like work in progress
    expect(bar).to_have_class(re.compile(r"\bbg-success\b"))
    expect(bar).not_to_have_class(re.compile(r"progress-bar-striped"))

    page.get_by_label("SQL for").select_option("postgres")
    page.get_by_label("Load the rows with COPY").check()
    button = page.locator('.export-btn[data-format="sql"]')
    expect(button).to_have_text("Export SQL (PostgreSQL, COPY)")
    with page.expect_download(timeout=60_000) as download:
        button.click()
    postgres = Path(download.value.path()).read_text()
    assert postgres.startswith("-- Dynamic Model Builder export for PostgreSQL\n")
    assert "COPY " in postgres
    assert "FROM stdin" in postgres
    exports = api.get(f"/tables/{table_id}/exports").json()["items"]
    assert [(e["sql_dialect"], e["sql_copy"]) for e in exports] == [("postgres", True), ("mysql", False)]
