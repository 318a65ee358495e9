"""Refresh docs/screenshots/: the main pages of the web UI on the embedded platform, at 1366x768 and on a
390 px phone, with a customers + orders shop generated and exported (run by `make screenshots`)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from dmb_testing.browser import DESKTOP, PHONE, fill_a_shop, launch_chromium, running_platform
from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _shoot(page: Page, path: str, name: str, *, full: bool = True) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print(f"docs/screenshots/{name}.png")


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
        _shoot(page, "/", "dashboard")
        _shoot(page, f"/tables/{orders}", "table")
        _shoot(page, f"/generate?t={customers}:1000&t={orders}:5000", "generate", full=False)
        _shoot(page, "/jobs", "jobs", full=False)
        _shoot(page, "/exports", "exports", full=False)
        phone = browser.new_page(base_url=url, viewport=PHONE)
        _shoot(phone, "/", "phone-dashboard", full=False)
        _shoot(phone, "/tables/new?starter=people", "phone-builder", full=False)
        _shoot(phone, f"/tables/{customers}", "phone-table", full=False)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
