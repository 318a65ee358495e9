"""What `dmb login` keeps: the platform's URL and an API token, in a file only its owner can read (0600)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError


class StoredLogin(BaseModel):
    url: str
    email: str
    token: str
    token_id: str


def config_path() -> Path:
    """DMB_CONFIG, else $XDG_CONFIG_HOME/dmb/login.json (~/.config/dmb/login.json)."""
    if explicit := os.environ.get("DMB_CONFIG"):
        return Path(explicit)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "dmb" / "login.json"


def load() -> StoredLogin | None:
    try:
        return StoredLogin.model_validate_json(config_path().read_text())
    except (OSError, ValidationError, ValueError):
        return None


def save(login: StoredLogin) -> Path:
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Created 0600 from the start (never readable by others, not even for a moment), and tightened if it existed.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(json.dumps(login.model_dump(), indent=2))
    path.chmod(0o600)
    return path


def forget() -> None:
    with contextlib.suppress(FileNotFoundError):
        config_path().unlink()
