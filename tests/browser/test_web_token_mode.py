"""The web UI of the multi-user platform (DMB_AUTH_MODE=token) in a real browser: a newcomer signs up, builds a
table, generates and downloads it, and signs out; a second user sees none of it (the first's table page is a
404) and cannot open the admin area; the admin signs in and sees every owner's work. Screenshots of the
sign-in and admin pages go to the test's folder (and are looked at when the pages change)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from dmb_testing.accounts import PASSWORD, admin_token
from dmb_testing.browser import AXE, DESKTOP, Watch, running_platform, serious_violations
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("token-platform")


@pytest.fixture(scope="module")
def base_url(data_dir: Path) -> Iterator[str]:
    """This module's own platform, in token mode with open sign-up."""
    with running_platform(data_dir, DMB_AUTH_MODE="token", DMB_SIGNUP="open") as url:
        yield url


def another_browser(context: BrowserContext, base_url: str, watch: Watch) -> tuple[BrowserContext, Page]:
    """A second person's browser (its own cookies), watched like the first."""
    assert context.browser is not None
    other = context.browser.new_context(base_url=base_url, viewport=DESKTOP)
    other.add_init_script(path=str(AXE))
    other.on("request", lambda request: watch.request(request.url))
    page = other.new_page()
    watch.attach(page)
    page.set_default_timeout(30_000)
    return other, page


def sign_up(page: Page, email: str) -> None:
    page.goto("/signup")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("link", name=email)).to_be_visible()


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=email)).to_be_visible()


def test_two_users_and_an_admin_use_the_web_ui_in_token_mode(
    page: Page, context: BrowserContext, watch: Watch, base_url: str, data_dir: Path, tmp_path: Path
) -> None:
    # A stranger is sent to the sign-in page, which works with no credentials at all.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert serious_violations(page) == []
    page.screenshot(path=str(tmp_path / "sign-in.png"))

    # Ada signs up, builds a table from a starter, generates it and downloads it as CSV, and signs out.
    sign_up(page, "ada@example.com")
    page.goto("/tables/new?starter=people")
    expect(page.locator("#table_name")).to_have_value("people")
    page.get_by_role("button", name="Create table").click()
    expect(page.locator("#next-step")).to_be_visible()
    tables = context.request.get("/api/v1/tables").json()["items"]  # the browser's own session
    assert [table["table_name"] for table in tables] == ["people"]
    table_id = tables[0]["id"]
    page.goto(f"/tables/{table_id}")
    page.locator("#rows").fill("200")
    page.locator("#download-format").select_option("csv")
    with page.expect_download(timeout=120_000) as download:
        page.locator("#generate-download").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["id", "first_name", "last_name"]
    assert len(rows) == 201
    page.goto("/logout")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"/tables/{table_id}")
    expect(page).to_have_url(re.compile(r"/login\?next="))

    # Bob, in a browser of his own, sees none of Ada's work and cannot reach the admin area.
    watch.statuses_expected = (403, 404)
    bob, bob_page = another_browser(context, base_url, watch)
    sign_up(bob_page, "bob@example.com")
    expect(bob_page.get_by_text("people", exact=True)).to_have_count(0)
    assert bob.request.get("/api/v1/tables").json()["items"] == []
    assert bob_page.goto(f"/tables/{table_id}").status == 404  # type: ignore[union-attr]
    expect(bob_page.get_by_text("people")).to_have_count(0)
    assert bob_page.goto("/admin").status == 403  # type: ignore[union-attr]
    expect(bob_page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    bob.close()

    # The admin (made as `dmb users create --admin --password` does) signs in and sees every owner's work.
    # Sync Playwright holds this thread's event loop: the provisioning runs in a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, admin_token(data_dir / "data")).result()
    admin, admin_page = another_browser(context, base_url, watch)
    sign_in(admin_page, "admin@example.com")
    admin_page.get_by_role("link", name="Admin", exact=True).click()
    expect(admin_page).to_have_url(re.compile(r"/admin$"))
    admin_page.screenshot(path=str(tmp_path / "admin.png"), full_page=True)
    admin_page.goto("/admin/users")
    for email in ("ada@example.com", "bob@example.com", "admin@example.com"):
        expect(admin_page.get_by_text(email).first).to_be_visible()
    assert serious_violations(admin_page) == []
    admin_page.screenshot(path=str(tmp_path / "admin-users.png"), full_page=True)
    admin_page.goto("/admin/tables")
    expect(admin_page.get_by_text("people").first).to_be_visible()
    expect(admin_page.get_by_text("ada@example.com").first).to_be_visible()
    admin_page.screenshot(path=str(tmp_path / "admin-tables.png"), full_page=True)
    admin.close()
    print(f"token-mode screenshots: {tmp_path}")
