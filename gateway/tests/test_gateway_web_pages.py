"""The web UI's pages as the gateway serves them: every page renders with the layout's CSRF token and its
scripts, the front-end assets come from the gateway itself, lists swap in place for HTMX, and no script
builds markup from strings."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dmb_testing.flow import create_table, wait_for
from dmb_testing.platform import embedded_client

STATIC = Path(__file__).parents[1] / "dmb_gateway" / "web" / "static"
SPEC = {"table_name": "notes", "fields": [{"name": "id", "type": "integer", "primary_key": True}]}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


async def test_every_page_renders_in_the_layout_with_local_assets_only(client: httpx.AsyncClient) -> None:
    table = await create_table(client, SPEC)
    for path in (
        "/",
        "/tables/new",
        f"/tables/{table['id']}",
        f"/tables/{table['id']}/edit",
        "/generate",
        "/jobs",
        "/exports",
        "/ai/design",
        "/settings/ai",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert '<meta name="csrf-token"' in page.text
        assert 'aria-current="page"' in page.text or (path.startswith(("/tables/", "/ai/")) and "/new" not in path)
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
            assert (await client.get(asset)).status_code == 200, asset
        # Nothing loaded or linked from another host (example URLs in help text and placeholders are words).
        assert not re.search(r'(?:src|href|action)="(?:https?:)?//', page.text), path
        assert "<script>" not in page.text  # no inline script: the CSP forbids them
        assert " style=" not in page.text
        assert not re.search(r"\son[a-z]+=", page.text)  # no inline event handlers


async def test_lists_swap_in_place_for_htmx(client: httpx.AsyncClient) -> None:
    whole = (await client.get("/jobs")).text
    fragment = (await client.get("/jobs?status=failed", headers={"HX-Request": "true"})).text
    assert '<nav class="navbar' in whole
    assert fragment.lstrip().startswith('<div id="jobs-list">')
    assert "No jobs match." in fragment


async def test_a_table_of_someone_else_or_nobody_is_not_found(client: httpx.AsyncClient) -> None:
    missing = await client.get("/tables/00000000-0000-4000-8000-00000000dead")
    assert missing.status_code == 404


def test_no_script_builds_markup_from_strings() -> None:
    scripts = [*STATIC.glob("*.js"), *STATIC.glob("js/*.js")]
    assert len(scripts) >= 8
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\.(inner|outer)HTML\s*\+?=|insertAdjacentHTML\(|document\.write\(", text), script.name


async def test_in_token_mode_a_page_without_a_signed_in_user_goes_to_sign_in(tmp_path: Path) -> None:
    async with embedded_client(tmp_path, auth_mode="token") as client:
        page = await client.get("/jobs")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/jobs"


async def test_the_dashboard_pushes_its_jobs_card_while_a_job_runs(client: httpx.AsyncClient) -> None:
    table = await create_table(client, SPEC)
    await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 20000, "seed": 1})
    dashboard = (await client.get("/")).text
    assert 'sse-connect="/dashboard/jobs/events"' in dashboard

    stream = (await client.get("/dashboard/jobs/events")).text  # ends once no job is pending or running

    cards = [part for part in stream.split("event: ") if part.startswith("jobs")]
    assert cards, stream
    assert "notes" in cards[-1]
    assert "completed" in cards[-1]
    assert stream.rstrip().split("event: ")[-1].startswith("done")
    assert "sse-connect" not in (await client.get("/")).text  # nothing left to follow


async def test_a_table_with_ai_fields_offers_the_jobs_ai_options_and_says_which_model_answers(
    client: httpx.AsyncClient,
) -> None:
    plain = await create_table(client, SPEC)
    ai_spec = {
        "table_name": "reviews",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "review", "type": "text", "generator": {"kind": "ai"}},
        ],
    }
    with_ai = await create_table(client, ai_spec)
    key = "sk-page-test-key-0000-LAST"
    saved = await client.put(
        "/api/v1/ai/settings", json={"base_url": "http://127.0.0.1:9/v1", "model": "mine", "api_key": key}
    )
    assert saved.status_code == 200, saved.text

    without = (await client.get(f"/tables/{plain['id']}")).text
    page = (await client.get(f"/tables/{with_ai['id']}")).text
    settings = (await client.get("/settings/ai")).text
    batch = (await client.get("/generate")).text

    assert 'id="ai-context"' not in without
    assert 'id="ai-context"' in page
    assert "Uses your model mine." in page
    assert 'id="ai-job-key" type="password"' in page
    assert "ending with …LAST" in settings
    assert 'id="ai-context"' in batch
    assert "reviews.review" in batch
    for html in (page, settings, batch):
        assert key not in html
        assert "sk-page-test" not in html


async def test_a_job_whose_ai_values_fell_back_says_why_in_the_api_and_the_jobs_list(client: httpx.AsyncClient) -> None:
    table = await create_table(
        client,
        {
            "table_name": "remarks",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "remark", "type": "text", "generator": {"kind": "ai"}},
            ],
        },
    )
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 5})
    job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed"}, within=60)
    listed = (await client.get("/jobs")).text

    assert job["status"] == "completed", job
    (note,) = [note for note in job["fallbacks"] if note.startswith("AI ")]
    assert note.startswith("AI values unavailable, Faker used instead: no API key")
    assert "job-ai-note" in listed
    assert "AI values unavailable, Faker used instead" in listed
