"""One browser and one platform process serve each test module (the suite must stay fast); each test
gets a fresh browser context and fails if a page logged a console error or asked another host for anything."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from dmb_testing.browser import AXE, DESKTOP, Watch, launch_chromium, running_platform
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

# On CI's 2 busy cores a page's first API answers can take longer than expect's 5 s default (stop 20's run
# showed it); a passing check returns as soon as it holds, so only a failing one waits this long.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh platform per test module, so a module's story (an empty dashboard first) is its own."""
    with running_platform(tmp_path_factory.mktemp("browser-platform")) as url:
        yield url


# Module scope, like the platform: sync Playwright holds an event loop while it runs, which must be gone
# before the suite's asyncio tests run in the same worker.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


@pytest.fixture
def watch(base_url: str) -> Watch:
    return Watch(origin=base_url)


@pytest.fixture
def context(browser: Browser, base_url: str, watch: Watch) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, accept_downloads=True)
    # axe-core comes from the tests (init scripts are not subject to the page's CSP), never from the gateway.
    context.add_init_script(path=str(AXE))
    context.on("request", lambda request: watch.request(request.url))
    yield context
    context.close()
    assert watch.console_errors == [], watch.console_errors
    assert watch.foreign_requests == [], watch.foreign_requests


@pytest.fixture
def page(context: BrowserContext, watch: Watch) -> Page:
    page = context.new_page()
    watch.attach(page)
    page.set_default_timeout(30_000)
    return page


@pytest.fixture
def api(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as client:
        yield client
