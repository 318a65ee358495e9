"""The web UI in a real browser: Debian's chromium driven by Playwright against the embedded platform
(used by the browser tests and by `make screenshots`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from dmb_contracts.starters import starter
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright

from dmb_testing.servers import chromium_binary

#: Launch flags: no GPU, no sandbox (containers), and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: axe-core, vendored for the tests only (never served by the gateway).
AXE = Path(__file__).parent / "vendor" / "axe-core@4.11.0" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_platform(data_dir: Path, **environment: str) -> Iterator[str]:
    """The embedded platform (SQLite, in-process bus) in its own process, as `make run` starts it; its URL.
    `environment`: further DMB_* settings, e.g. DMB_AUTH_MODE="token"; its databases are under data_dir/data."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log_path = data_dir / "platform.log"
    env = {**os.environ, "DMB_DATA_DIR": str(data_dir / "data"), "DMB_PORT": str(port), **environment}
    dmb = Path(sys.executable).parent / "dmb"
    with log_path.open("w") as log:
        process = subprocess.Popen([str(dmb), "run"], cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


#: Start-up migrates five databases and loads every service: ~15 s on an idle machine, much more on a busy one.
STARTUP_SECONDS = 300


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the platform did not start: {log_path.read_text()[-3000:]}")
        time.sleep(0.3)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_binary(), args=CHROMIUM_ARGS, headless=True)


@dataclass
class Watch:
    """What the pages did that a user must never see: console errors, requests to another host."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    #: Set by a test that sends invalid input on purpose: the browser logs the API's 422 answers as errors.
    refusals_expected: bool = False
    #: Statuses a test asks for on purpose (another user's page: 404; an admin page as a non-admin: 403).
    statuses_expected: tuple[int, ...] = ()

    def request(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign_requests.append(url)

    def console(self, message: ConsoleMessage) -> None:
        refusal = ("status of 422" in message.text and self.refusals_expected) or any(
            f"status of {code}" in message.text for code in self.statuses_expected
        )
        if message.type == "error" and not refusal:
            self.console_errors.append(message.text)

    def attach(self, page: Page) -> None:
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical accessibility violations on the page as it is now (axe must have been
    added to the context with add_init_script(path=AXE))."""
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter((v) => ['serious', 'critical'].includes(v.impact))"
        ".map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`)"
    )
    return [str(violation) for violation in violations]


def _settled(api: httpx.Client, path: str, done: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while (state := api.get(path).json())["status"] not in done:
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} stayed {state['status']}")
        time.sleep(0.1)
    return dict(state)


def fill_a_shop(base_url: str, rows: tuple[int, int] | None = None) -> list[str]:
    """Pages with content, through the REST API: the customers + orders template created, generated (the
    template's row counts unless `rows` says otherwise) and exported to one workbook. The two tables' ids."""
    shop = starter("customers_orders")
    assert shop is not None
    counts = rows or tuple(table.rows for table in shop.tables)
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as api:
        ids = []
        for table in shop.tables:
            ids.append(api.post("/tables", json=table.spec.model_dump(mode="json")).json()["id"])
            _settled(api, f"/tables/{ids[-1]}", {"created"})
        tables = [{"table_id": table_id, "rows": count} for table_id, count in zip(ids, counts, strict=True)]
        batch = api.post("/jobs", json={"tables": tables, "seed": 7}).json()
        for job in batch["jobs"]:
            _settled(api, f"/jobs/{job['job_id']}", {"completed"})
        export = api.post("/exports", json={"tables": ids, "format": "xlsx"}).json()
        _settled(api, f"/exports/{export['id']}", {"completed"})
    return ids
