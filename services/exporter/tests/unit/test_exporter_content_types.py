"""Every format is stored with the media type the contracts name (the gateway documents downloads with it)."""

from __future__ import annotations

from dmb_contracts.commands import EXPORT_CONTENT_TYPES, ExportFormat
from dmb_exporter.adapters.formats import FORMATS


def test_each_registered_format_uses_the_contracts_media_type() -> None:
    assert set(FORMATS) == set(ExportFormat)
    assert {fmt: registered.content_type for fmt, registered in FORMATS.items()} == EXPORT_CONTENT_TYPES
