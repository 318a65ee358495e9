"""Refresh docs/screenshots/: the main pages of the web UI on the embedded platform, at 1366x768 and on a
390 px phone, with a customers + orders shop generated and exported (run by `make screenshots`)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx
from dmb_testing.browser import DESKTOP, PHONE, fill_a_shop, launch_chromium, running_platform
from dmb_testing.fake_openai import fake_openai
from dmb_testing.sample_schemas import sample_sql
from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _shoot(page: Page, path: str, name: str, *, full: bool = True) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print(f"docs/screenshots/{name}.png")


def _ai_pages(page: Page, url: str, orders: str) -> None:
    """The AI pages with a scripted model on a loopback port (never a real LLM): settings with a key set, a
    design under review, suggested values under review, and the table page's AI options."""
    design = {
        "tables": [
            {
                "table_name": "admissions",
                "description": "Hospital admissions",
                "fields": [
                    {"name": "id", "type": "integer", "primary_key": True},
                    {"name": "patient_id", "type": "foreign_key", "references": "patients.id"},
                    {"name": "ward", "type": "string", "choices": ["Urgencias", "Pediatría", "Cardiología"]},
                    {"name": "admitted", "type": "datetime"},
                ],
            },
            {
                "table_name": "patients",
                "fields": [
                    {"name": "id", "type": "integer", "primary_key": True},
                    {"name": "first_name", "type": "string", "faker": "first_name"},
                    {"name": "diagnosis", "type": "string", "generator": {"kind": "ai"}},
                    {"name": "photo", "type": "blob"},
                ],
            },
        ]
    }
    vocabulary = {"values": [{"value": v, "weight": w} for v, w in [("shipped", 6), ("delivered", 3), ("returned", 1)]]}
    with fake_openai(design, vocabulary) as model, httpx.Client(base_url=f"{url}/api/v1", timeout=30) as api:
        api.put(
            "/ai/settings",
            json={"base_url": model.base_url, "model": "qwen2.5-1.5b", "api_key": "sk-demo-key-1234abcd"},
        )
        _shoot(page, "/settings/ai", "ai-settings", full=False)
        page.goto("/ai/design")
        page.get_by_label("What are the tables about?").fill("patients of a Spanish hospital with admissions")
        page.get_by_role("button", name="Propose tables").click()
        page.locator(".design-table").first.wait_for()
        page.wait_for_timeout(600)
        page.screenshot(path=str(OUT / "ai-design.png"), full_page=True)
        print("docs/screenshots/ai-design.png")
        status = next(
            i for i, f in enumerate(api.get(f"/tables/{orders}").json()["spec"]["fields"]) if f["name"] == "status"
        )
        page.goto(f"/tables/{orders}/edit")
        page.locator(".f-values-btn").nth(status).click()
        page.get_by_role("button", name="Suggest values with AI").click()
        page.get_by_role("button", name="Ask the AI").click()
        page.locator("#suggest-items .suggest-item").first.wait_for()
        page.wait_for_timeout(600)
        page.screenshot(path=str(OUT / "ai-suggest-values.png"))
        print("docs/screenshots/ai-suggest-values.png")
        reviews = {
            "table_name": "reviews",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {
                    "name": "review",
                    "type": "text",
                    "generator": {"kind": "ai", "instructions": "a short product review"},
                },
            ],
        }
        table_id = api.post("/tables", json=reviews).json()["id"]
        while api.get(f"/tables/{table_id}").json()["status"] == "pending":
            page.wait_for_timeout(100)
        page.goto(f"/tables/{table_id}")
        page.locator("#ai-job-model summary").click()
        page.wait_for_timeout(600)
        page.screenshot(path=str(OUT / "ai-generate-options.png"))
        print("docs/screenshots/ai-generate-options.png")


def _shoot_part(page: Page, selector: str, name: str) -> None:
    page.wait_for_timeout(600)
    page.locator(selector).first.screenshot(path=str(OUT / f"{name}.png"))
    print(f"docs/screenshots/{name}.png")


def _import_review(page: Page) -> None:
    """The import page with a whole dump read and every table under review."""
    page.goto("/tables/import")
    page.get_by_label("SQL dump").fill(sample_sql("ecommerce"))
    page.get_by_role("button", name="Read the tables").click()
    page.locator("#proposed .proposed").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)
    page.screenshot(path=str(OUT / "import.png"), full_page=True)
    print("docs/screenshots/import.png")


def _migration_log_and_sql_export(page: Page, url: str, table_id: str) -> None:
    """A table with a change applied and one rolled back: its migration log; and the SQL dialect picker."""
    with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as api:
        table = api.get(f"/tables/{table_id}").json()
        spec = table["spec"]
        fields = [*spec["fields"], {"name": "vip", "type": "boolean", "nullable": True}]
        api.put(f"/tables/{table_id}", json={"expected_version": table["version"], "spec": {**spec, "fields": fields}})
        for _ in range(300):
            table = api.get(f"/tables/{table_id}").json()
            if table["status"] == "created" and table["version"] > 1:
                break
            page.wait_for_timeout(100)
        email = next(f for f in table["spec"]["fields"] if f["type"] in ("email", "string", "text"))
        # Words are not numbers: the schema service's row check refuses it, and the migration is rolled back.
        refused = [{"name": f["name"], "type": "integer"} if f is email else f for f in table["spec"]["fields"]]
        version = table["version"]
        answer = api.put(f"/tables/{table_id}", json={"expected_version": version, "spec": {**spec, "fields": refused}})
        answer.raise_for_status()
        for _ in range(300):  # refused: back to created at the same version, with the reason
            if len(api.get(f"/tables/{table_id}/migrations").json()["items"]) > version:
                break
            page.wait_for_timeout(100)
    page.goto(f"/tables/{table_id}")
    page.locator("#migrations .migration").first.wait_for()
    _shoot_part(page, "section[aria-labelledby=definition-title]", "migration-log")
    page.get_by_label("Download as").select_option("sql")
    page.get_by_label("SQL for").select_option("mysql")
    _shoot_part(page, "section[aria-labelledby=generate-title] .card", "sql-export")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, running_platform(Path(work)) as url, sync_playwright() as driver:
        browser = launch_chromium(driver)
        page = browser.new_page(base_url=url, viewport=DESKTOP)
        _shoot(page, "/", "dashboard-empty", full=False)
        _shoot(page, "/tables/new?starter=customers_orders", "builder")
        page.locator(".f-values-btn").nth(4).click()
        page.wait_for_timeout(600)
        page.screenshot(path=str(OUT / "values-picker.png"))
        print("docs/screenshots/values-picker.png")
        customers, orders = fill_a_shop(url)
        _ai_pages(page, url, orders)
        _shoot(page, "/", "dashboard")
        _shoot(page, f"/tables/{orders}", "table")
        _shoot(page, f"/generate?t={customers}:1000&t={orders}:5000", "generate", full=False)
        _shoot(page, "/jobs", "jobs", full=False)
        _shoot(page, "/exports", "exports", full=False)
        _import_review(page)
        phone = browser.new_page(base_url=url, viewport=PHONE)
        _shoot(phone, "/", "phone-dashboard", full=False)
        _shoot(phone, "/tables/new?starter=people", "phone-builder", full=False)
        _shoot(phone, f"/tables/{customers}", "phone-table", full=False)
        _migration_log_and_sql_export(page, url, customers)  # last: its refused change shows on other pages
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
