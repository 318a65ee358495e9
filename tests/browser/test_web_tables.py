"""The builder and the table page in a real browser: errors shown next to the field they concern, the values
picker, keyboard reordering, an alter that renames a field (its rows kept), and cancelling a running job."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from dmb_testing.browser import Watch
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.xdist_group("browser")

SHOPS: dict[str, Any] = {
    "table_name": "shops",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "city", "type": "string", "max_length": 60},
        {"name": "opened", "type": "date"},
    ],
}


def created(api: httpx.Client, spec: dict[str, Any], rows: int = 0) -> str:
    response = api.post("/tables", json=spec)
    assert response.status_code == 202, response.text
    table_id: str = response.json()["id"]
    deadline = time.monotonic() + 60
    while api.get(f"/tables/{table_id}").json()["status"] != "created":
        assert time.monotonic() < deadline, "the table was not created"
        time.sleep(0.1)
    if rows:
        job = api.post(f"/tables/{table_id}/jobs", json={"rows": rows, "seed": 5}).json()
        while api.get(f"/jobs/{job['id']}").json()["status"] != "completed":
            assert time.monotonic() < deadline, "the job did not complete"
            time.sleep(0.1)
    return table_id


def test_invalid_input_is_explained_next_to_its_field_and_brought_into_view(page: Page, watch: Watch) -> None:
    watch.refusals_expected = True
    page.goto("/tables/new")
    page.locator("#table_name").fill("stock")
    for _ in range(8):
        page.get_by_role("button", name="Add field").click()
    rows = page.locator(".field-row")
    for index in range(rows.count()):
        rows.nth(index).locator(".f-name").fill(f"field_{index}")
    last = rows.last
    last.locator(".f-name").fill("select")

    page.get_by_role("button", name="Create table").click()

    # The live check may show the same error first (without moving focus): wait for Create's own answer,
    # which on a busy machine comes after expect's default 5 s.
    expect(page.locator("#form-status")).to_contain_text("Fix the highlighted field", timeout=30_000)
    error = last.locator(".f-error")
    expect(error).to_contain_text("reserved")
    expect(error).not_to_contain_text("fields.")  # plain words, not a JSON path
    expect(last.locator(".f-name")).to_be_focused()
    expect(last.locator(".f-name")).to_be_in_viewport()
    expect(rows.first.locator(".f-error")).to_be_hidden()

    last.locator(".f-name").fill("sku")
    expect(error).to_be_hidden()  # the live check clears it once the name is fine


def test_what_is_typed_while_the_builder_still_loads_is_kept(page: Page) -> None:
    # The catalogue is held back, as on a busy server: the form is usable at once and keeps what was typed
    # (it used to be reset when the page's lists arrived, so Create then sent an empty table name).
    held: list[Route] = []
    page.route("**/api/v1/generators/catalogue", lambda route: held.append(route))
    page.goto("/tables/new")
    page.locator("#table_name").fill("stock")
    page.get_by_role("button", name="Add field").click()
    page.locator(".field-row").last.locator(".f-name").fill("sku")
    deadline = time.monotonic() + 10
    while not held:
        assert time.monotonic() < deadline, "the page never asked for the catalogue"
        page.wait_for_timeout(50)
    held[0].continue_()

    expect(page.locator("#preview-table thead th")).to_have_text(["id", "name", "sku"])
    expect(page.locator("#table_name")).to_have_value("stock")
    expect(page.locator(".field-row")).to_have_count(3)


def test_values_picker_and_keyboard_reorder_change_the_preview(page: Page) -> None:
    page.goto("/tables/new")
    page.locator("#table_name").fill("accounts")
    second = page.locator(".field-row").nth(1)
    second.locator(".f-name").fill("account")
    second.get_by_role("button", name=re.compile("^Values of account")).click()
    page.get_by_label("Search").fill("iban")
    page.locator(".catalogue-entry", has_text="iban").first.click()
    expect(second.locator(".f-values-label")).to_have_text("iban")
    expect(second.locator(".f-values-btn")).to_be_focused()  # focus returns to where the user was
    expect(page.locator("#preview-table tbody tr").first.locator("td").nth(1)).to_have_text(
        re.compile(r"^[A-Z]{2}\d{2}")
    )

    second.get_by_role("button", name="Move field account", exact=True).press("ArrowUp")
    expect(page.locator("#preview-table thead th").first).to_have_text("account")
    expect(page.locator("#reorder-status")).to_have_text("account moved to position 1 of 2.")

    rows = page.locator(".field-row")
    rows.nth(1).locator(".drag-handle").drag_to(rows.nth(0), target_position={"x": 20, "y": 5})
    expect(page.locator("#preview-table thead th").first).not_to_have_text("account")


def test_a_pick_made_while_the_values_dialog_still_opens_closes_it(page: Page) -> None:
    page.goto("/tables/new")
    # A slow machine, made certain: the dialog takes 3 s to open, without moving (so the pick lands at once).
    page.add_style_tag(
        content=".modal.fade .modal-dialog { transform: none !important; transition: opacity 3s !important; }"
    )
    second = page.locator(".field-row").nth(1)
    second.locator(".f-name").fill("code")
    second.get_by_role("button", name=re.compile("^Values of code")).click()
    page.get_by_label("Search").fill("iban")
    page.locator(".catalogue-entry", has_text="iban").first.click()
    expect(page.locator("#values-modal")).to_be_hidden(timeout=10_000)
    expect(second.locator(".f-values-label")).to_have_text("iban")
    expect(second.locator(".f-values-btn")).to_be_focused()


def test_alter_with_a_rename_keeps_the_rows(page: Page, api: httpx.Client) -> None:
    table_id = created(api, SHOPS, rows=30)
    page.goto(f"/tables/{table_id}/edit")
    name = page.locator(".field-row").nth(1).locator(".f-name")
    expect(name).to_have_value("city")
    name.fill("town")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#form-status")).to_contain_text("now at version 2")

    page.get_by_role("link", name="Open the table").click()
    expect(page.locator("#data-table thead th").nth(1)).to_have_text("town")
    expect(page.locator("#data-count")).to_have_text("30 rows")
    expect(page.locator("#data-table tbody tr").first.locator("td").nth(1)).not_to_have_text("empty")
    expect(page.locator("#versions")).to_contain_text("town")


def test_a_running_job_can_be_cancelled_from_its_progress(page: Page, api: httpx.Client) -> None:
    table_id = created(api, {**SHOPS, "table_name": "big_shops"})
    page.goto(f"/tables/{table_id}")
    page.get_by_role("spinbutton", name="Rows").fill("1000000")
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.locator("#job-text")).to_contain_text(re.compile("running|pending"))

    # The dashboard follows it live (its jobs card pushed over SSE), and the table page picks it up again.
    page.goto("/")
    expect(page.locator("#dashboard-jobs")).to_contain_text(re.compile(r"[1-9][\d,]* / 1,000,000"))
    page.goto(f"/tables/{table_id}")
    expect(page.locator("#job-text")).to_contain_text("running")

    # The job's stream reports "cancelled" before the cancel request's own answer arrives (held back here):
    # that last word stays on the page, instead of a "Cancelling…" nothing ever replaces.
    def answer_late(route: Route) -> None:
        response = route.fetch()
        time.sleep(3)
        route.fulfill(response=response)

    page.route("**/api/v1/jobs/*/cancel", answer_late)
    with page.expect_response("**/api/v1/jobs/*/cancel", timeout=60_000):
        page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#job-text")).to_contain_text("cancelled", timeout=60_000)
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    expect(page.locator("#job-bar")).to_have_class(re.compile(r"\bbg-secondary\b"))
    # The rows it wrote before the cancel stay, and the table below shows them without a reload.
    written = re.search(r"cancelled: ([\d,]+) of 1,000,000 rows", page.locator("#job-text").inner_text())
    assert written, page.locator("#job-text").inner_text()
    assert written.group(1) != "0"
    expect(page.locator("#data-count")).to_have_text(f"{written.group(1)} rows")
