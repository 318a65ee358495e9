"""A stored or generated value as a person reads it on a page (the preview and the data browser agree)."""

from __future__ import annotations

import datetime as dt
import json


def value_text(value: object) -> str | None:
    """Null stays null; booleans as true/false, dates ISO (a space between date and time), JSON documents as compact JSON, bytes as hex."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)
