"""The AI pages in a real browser, against a scripted OpenAI-compatible model on a loopback port (never a real
LLM): Suggest values (progress, cancel, review, apply → the column becomes `choices`), Design with AI (review,
discard creates nothing, confirm creates the tables), and the model settings page, which never puts the key
in the page."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dmb_testing.browser import serious_violations
from dmb_testing.fake_openai import FakeOpenAI, fake_openai
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.xdist_group("browser")

KEY = "sk-browser-test-key-never-shown-WXYZ"
GENRES: dict[str, Any] = {
    "table_name": "genres",
    "description": "film genres of a streaming catalogue",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "name", "type": "string", "max_length": 40},
    ],
}
VOCABULARY = {"values": [{"value": "Drama", "weight": 3}, {"value": "Comedy", "weight": 2}, {"value": "Genre 1"},
                         {"value": "Horror", "weight": 1}]}  # fmt: skip
DESIGN: dict[str, Any] = {
    "tables": [
        {
            "table_name": "loans",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "member_id", "type": "foreign_key", "references": "members.id"},
                {"name": "due", "type": "date"},
            ],
        },
        {
            "table_name": "members",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "first_name", "type": "string", "faker": "first_name"},
                {"name": "photo", "type": "blob"},
            ],
        },
    ]
}


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with fake_openai() as fake:
        yield fake


@pytest.fixture
def with_model(api: httpx.Client, model: FakeOpenAI) -> FakeOpenAI:
    """The local user's settings point at the scripted model (local mode allows a loopback endpoint)."""
    model.replies.clear()
    model.delay_seconds = 0
    model.abandoned = 0
    saved = api.put("/ai/settings", json={"base_url": model.base_url, "model": "fake-model", "api_key": KEY})
    assert saved.status_code == 200, saved.text
    return model


def created(api: httpx.Client, spec: dict[str, Any]) -> str:
    table_id: str = api.post("/tables", json=spec).json()["id"]
    deadline = time.monotonic() + 60
    while api.get(f"/tables/{table_id}").json()["status"] != "created":
        assert time.monotonic() < deadline, "the table was not created"
        time.sleep(0.1)
    return table_id


def open_suggestions(page: Page, field: str) -> None:
    page.get_by_role("button", name=re.compile(f"^Values of {field}")).click()
    page.get_by_role("button", name="Suggest values with AI").click()
    expect(page.locator("#values-suggest")).to_be_visible()


def test_suggested_values_are_reviewed_then_applied_as_choices(
    page: Page, api: httpx.Client, with_model: FakeOpenAI
) -> None:
    table_id = created(api, GENRES)
    with_model.replies.append(VOCABULARY)
    page.goto(f"/tables/{table_id}/edit")
    expect(page.locator(".field-row")).to_have_count(2)
    open_suggestions(page, "name")
    expect(page.get_by_label("What is the data for?")).to_have_value("film genres of a streaming catalogue")

    page.get_by_role("button", name="Ask the AI").click()

    items = page.locator("#suggest-items .suggest-item")
    expect(items).to_have_count(3)  # "Genre 1", a placeholder, was left out by the AI service
    expect(page.locator("#suggest-notes")).to_contain_text("Genre 1")
    expect(items.first.locator(".s-value")).to_have_value("Drama")
    expect(items.first.locator(".s-share")).to_have_text("50 %")
    page.wait_for_timeout(400)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Remove Horror").click()
    items.nth(1).locator(".s-weight").fill("50")
    page.get_by_role("button", name="Add a value").click()
    items.last.locator(".s-value").fill("Documentary")
    items.last.locator(".s-weight").fill("10")

    page.get_by_role("button", name="Apply: use these values").click()

    row = page.locator(".field-row").nth(1)
    expect(page.locator("#values-modal")).to_be_hidden()
    expect(row.locator(".f-values-label")).to_have_text("Choices: Drama, Comedy, Documentary")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#form-status")).to_contain_text("version 2")
    stored = api.get(f"/tables/{table_id}").json()["spec"]["fields"][1]["generator"]
    assert stored["kind"] == "choices"
    assert stored["values"] == ["Drama", "Comedy", "Documentary"]
    assert stored["weights"][2] == 10
    assert stored["weights"][1] == 50


def test_a_slow_suggestion_shows_progress_and_can_be_cancelled(
    page: Page, api: httpx.Client, with_model: FakeOpenAI
) -> None:
    table_id = created(api, {**GENRES, "table_name": "moods"})
    with_model.delay_seconds = 4
    with_model.replies.append(VOCABULARY)
    page.goto(f"/tables/{table_id}/edit")
    open_suggestions(page, "name")
    with page.expect_response(lambda r: r.url.endswith("/ai/vocabularies") and r.request.method == "POST") as asked:
        page.get_by_role("button", name="Ask the AI").click()
    vocabulary_id = asked.value.json()["id"]

    expect(page.locator("#suggest-progress")).to_contain_text("The AI is working on it")
    expect(page.locator("#suggest-elapsed")).to_contain_text("so far")
    with page.expect_response(lambda r: r.url.endswith(f"/ai/vocabularies/{vocabulary_id}/cancel")) as cancel:
        page.get_by_role("button", name="Cancel").click()

    assert cancel.value.status == 202  # the AI's work is stopped on the server, not only the waiting here
    expect(page.locator("#suggest-status")).to_have_text(re.compile("Cancelled: nothing changed"))
    expect(page.locator("#suggest-progress")).to_be_hidden()
    page.wait_for_timeout(5000)  # past the model's answer
    expect(page.locator("#suggest-review")).to_be_hidden()
    assert api.get(f"/ai/vocabularies/{vocabulary_id}").json()["status"] == "cancelled"
    assert with_model.abandoned == 1  # the AI service hung up on the model instead of waiting for its answer
    page.get_by_role("button", name="Close").click()
    expect(page.locator(".field-row").nth(1).locator(".f-values-label")).to_have_text("Automatic")


def test_a_new_table_is_asked_to_be_created_before_suggestions(page: Page, with_model: FakeOpenAI) -> None:
    page.goto("/tables/new")
    open_suggestions(page, "name")

    expect(page.locator("#suggest-unsaved")).to_contain_text("create the table first")
    expect(page.get_by_role("button", name="Ask the AI")).to_be_disabled()


def test_a_design_is_reviewed_and_discarding_it_creates_nothing(
    page: Page, api: httpx.Client, with_model: FakeOpenAI
) -> None:
    with_model.replies.append(DESIGN)
    page.goto("/")
    page.get_by_role("link", name="Design with AI").first.click()
    page.get_by_label("What are the tables about?").fill("a lending library with members and loans")

    page.get_by_role("button", name="Propose tables").click()

    cards = page.locator(".design-table")
    expect(cards).to_have_count(2)
    expect(cards.first.locator(".dt-name")).to_have_text("members")  # parents first
    expect(cards.nth(1)).to_contain_text("points at members.id")
    expect(page.locator("#review-notes")).to_contain_text("dropped field 'photo'")
    expect(page.get_by_role("button", name="Create these 2 tables")).to_be_visible()
    page.wait_for_timeout(400)
    assert serious_violations(page) == []

    page.get_by_role("button", name="Discard").click()

    expect(page.locator("#design-status")).to_contain_text("nothing was created")
    names = {table["table_name"] for table in api.get("/tables").json()["items"]}
    assert not names & {"members", "loans"}


def test_a_slow_design_is_cancelled_and_the_ai_stops_working_on_it(
    page: Page, api: httpx.Client, with_model: FakeOpenAI
) -> None:
    with_model.delay_seconds = 3
    with_model.replies.append(DESIGN)
    page.goto("/ai/design")
    page.get_by_label("What are the tables about?").fill("a lending library with members and loans")
    with page.expect_response(lambda r: r.url.endswith("/ai/designs") and r.request.method == "POST") as asked:
        page.get_by_role("button", name="Propose tables").click()
    design_id = asked.value.json()["id"]
    expect(page.locator("#design-progress")).to_be_visible()

    with page.expect_response(lambda r: r.url.endswith(f"/ai/designs/{design_id}/cancel")) as cancel:
        page.locator("#design-stop").click()

    assert cancel.value.status == 202
    expect(page.locator("#design-status")).to_contain_text("Cancelled: the AI stopped working on this design")
    expect(page.locator("#design-progress")).to_be_hidden()
    expect(page.locator("#recent-designs")).to_contain_text("cancelled")
    page.wait_for_timeout(3500)  # past the model's answer
    expect(page.locator("#design-review")).to_be_hidden()
    assert api.get(f"/ai/designs/{design_id}").json()["status"] == "cancelled"
    assert with_model.abandoned == 1  # the AI service hung up on the model


def test_a_confirmed_design_creates_its_tables_parents_first(
    page: Page, api: httpx.Client, with_model: FakeOpenAI
) -> None:
    with_model.replies.append(DESIGN)
    page.goto("/ai/design")
    page.get_by_label("What are the tables about?").fill("a lending library with members and loans")
    page.get_by_role("button", name="Propose tables").click()
    expect(page.locator(".design-table")).to_have_count(2)

    page.get_by_role("button", name="Create these 2 tables").click()

    expect(page.locator("#design-result")).to_contain_text("Created members, loans")
    expect(page.get_by_role("link", name="Fill them with rows")).to_be_visible()
    tables = {t["table_name"]: t for t in api.get("/tables").json()["items"]}
    assert tables["members"]["status"] == tables["loans"]["status"] == "created"
    assert [f["name"] for f in tables["members"]["spec"]["fields"]] == ["id", "first_name"]


def test_the_settings_page_never_puts_the_key_in_the_page(page: Page, api: httpx.Client, model: FakeOpenAI) -> None:
    api.delete("/ai/settings")
    page.goto("/")
    page.get_by_role("link", name="AI model").click()  # the navbar entry "AI"
    expect(page.locator("#ai-source")).to_contain_text("No AI model is set up")
    page.get_by_label("Base URL").fill(model.base_url)
    page.get_by_label("Model", exact=True).fill("fake-model")
    page.get_by_label("API key").fill(KEY)

    page.get_by_role("button", name="Save").click()

    expect(page.locator("#ai-status")).to_contain_text("Saved")
    expect(page.locator("#ai-key-state")).to_contain_text("ending with …WXYZ")
    expect(page.get_by_label("API key")).to_have_value("")
    assert KEY not in page.content()
    page.reload()
    expect(page.locator("#ai-key-state")).to_contain_text("ending with …WXYZ")
    assert KEY not in page.content()
    assert KEY not in httpx.get(page.url).text  # the HTML as served
    assert serious_violations(page) == []

    page.get_by_role("button", name="Remove the key").click()

    expect(page.locator("#ai-key-state")).to_contain_text("No key is set")
    assert api.get("/ai/settings").json()["api_key_set"] is False


def test_a_batch_from_the_generate_page_uses_the_saved_model_with_the_context_given(
    page: Page, api: httpx.Client, with_model: FakeOpenAI
) -> None:
    moods = ["calm and relaxed", "quietly hopeful", "restless and anxious", "cheerful and lively", "deeply sad"]
    table_id = created(
        api,
        {
            "table_name": "diary",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "mood", "type": "string", "max_length": 40, "generator": {"kind": "ai"}},
            ],
        },
    )
    with_model.replies.append({"values": moods})  # one AI field: the workflow asks for a flat list
    page.goto(f"/generate?t={table_id}:5")
    expect(page.locator("#ai-model-line")).to_contain_text("Uses your model fake-model")
    page.get_by_label(re.compile("^AI context")).fill("a mood diary kept by students")

    page.get_by_role("button", name="Generate only").click()

    expect(page.locator("#batch-jobs")).to_contain_text("completed: 5 of 5", timeout=60_000)
    assert "a mood diary kept by students" in str(with_model.requests[-1].body["messages"])
    rows = api.get(f"/tables/{table_id}/rows", params={"limit": 10}).json()
    assert {row[1] for row in rows["rows"]} <= set(moods), rows


def test_a_design_opened_in_the_builder_fills_it_table_by_table(page: Page, with_model: FakeOpenAI) -> None:
    design = copy.deepcopy(DESIGN)
    for table in design["tables"]:
        table["table_name"] = f"club_{table['table_name']}"
    design["tables"][0]["fields"][1]["references"] = "club_members.id"
    with_model.replies.append(design)
    page.goto("/ai/design")
    page.get_by_label("What are the tables about?").fill("a book club with members and loans")
    page.get_by_role("button", name="Propose tables").click()
    expect(page.locator(".design-table")).to_have_count(2)

    page.get_by_role("link", name="Edit in the builder first").click()

    expect(page).to_have_url(re.compile(r"/tables/new\?design="))
    expect(page.locator("#table_name")).to_have_value("club_members")
    expect(page.locator("#starter-progress")).to_have_text("AI design: table 1 of 2")
    expect(page.locator(".field-row")).to_have_count(2)  # id, first_name (photo was dropped)
