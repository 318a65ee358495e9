"""The container's HEALTHCHECK: is this process alive? One image runs every service, so it asks the worker's
health port (DMB_HEALTH_PORT) and then the gateway's port (DMB_PORT); standard library only, so it is quick."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def alive(port: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def main() -> int:
    ports = (os.environ.get("DMB_HEALTH_PORT", "9000"), os.environ.get("DMB_PORT", "8000"))
    return 0 if any(alive(port) for port in ports) else 1


if __name__ == "__main__":
    sys.exit(main())
