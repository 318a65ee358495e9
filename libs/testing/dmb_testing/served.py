"""An ASGI app served over real HTTP on a thread of this process, for tests that drive it as a user would
(the `dmb` CLI through DMB_URL, a browser)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from dmb_testing.seaweed import free_ports


@contextlib.contextmanager
def served(app: ASGIApp, startup_seconds: float = 60.0) -> Iterator[str]:
    """Serve `app` (its lifespan included) on a free port; yields its base URL; stops it on exit."""
    (port,) = free_ports(1)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dmb-served", daemon=True)
    thread.start()
    for _ in range(round(startup_seconds * 10)):
        if server.started or not thread.is_alive():
            break
        thread.join(0.1)
    assert server.started, "the app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)
