"""Every page passes axe-core with no serious or critical violation, at 1366x768 and on a 390 px phone, where
nothing is wider than the screen."""

from __future__ import annotations

import pytest
from dmb_testing.browser import PHONE, fill_a_shop, serious_violations
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def pages(base_url: str) -> list[str]:
    """Every kind of page, with content: the customers + orders template filled, generated and exported."""
    _, orders = fill_a_shop(base_url, rows=(50, 200))
    return [
        "/",
        "/tables/new",
        "/tables/import",
        f"/tables/{orders}/edit",
        f"/tables/{orders}",
        "/generate",
        "/jobs",
        "/exports",
        "/ai/design",
        "/settings/ai",
    ]


def test_every_page_has_no_serious_accessibility_violation(page: Page, pages: list[str]) -> None:
    found = {}
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        found[path] = serious_violations(page)
    page.goto(pages[1])
    page.locator(".f-values-btn").first.click()
    expect(page.locator("#values-modal")).to_be_visible()
    page.wait_for_timeout(400)  # the modal's fade-in, so colours are measured as shown
    found["values picker"] = serious_violations(page)
    problems = {path: found_here for path, found_here in found.items() if found_here}
    assert problems == {}, "\n".join(f"{path}: {p}" for path, found_here in problems.items() for p in found_here)


def test_every_page_fits_a_phone_screen(page: Page, pages: list[str]) -> None:
    page.set_viewport_size(PHONE)
    too_wide = {}
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}
