"""Publish the Faker providers a user may name, grouped and with an example each, as data in libs/contracts.

The gateway serves the values catalogue from that data (it never imports this service); a test fails when the
committed file no longer matches what the generator allows.

python -m dmb_generator.catalogue            # write libs/contracts/dmb_contracts/data/faker_providers.json
python -m dmb_generator.catalogue --check    # fail if it is stale
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from dmb_contracts.catalogue import FAKER_DATA
from faker import Faker
from faker.config import AVAILABLE_LOCALES

from dmb_generator.domain.faker_catalogue import provider_catalogue

LOCALE = "en_US"
#: Faker's provider module → the group a person looks in.
GROUPS: dict[str, str] = {
    "person": "Person",
    "job": "Person",
    "ssn": "Person",
    "passport": "Person",
    "phone_number": "Person",
    "address": "Address",
    "geo": "Address",
    "internet": "Internet",
    "user_agent": "Internet",
    "file": "Internet",
    "company": "Company",
    "color": "Commerce",
    "barcode": "Commerce",
    "bank": "Finance",
    "credit_card": "Finance",
    "currency": "Finance",
    "date_time": "Dates",
    "lorem": "Text",
    "isbn": "Codes",
    "sbn": "Codes",
    "doi": "Codes",
    "automotive": "Codes",
    "misc": "Codes",
    "python": "Numbers",
}


def _value_type(value: object) -> str:
    """What kind of value the provider gives, so the page can suggest providers that fit a field's type."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    return "text"


def _example(value: object) -> str:
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ", timespec="seconds")
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def build() -> list[dict[str, Any]]:
    allowed = provider_catalogue(LOCALE)
    fake = Faker(LOCALE, use_weighting=False)
    modules: dict[str, str] = {}
    for provider in fake.providers:
        for name in dir(type(provider)):
            if name in allowed and name not in modules:
                modules[name] = type(provider).__module__.split(".")[2]
    entries = []
    for name in sorted(allowed):
        fake.seed_instance(1)
        value = getattr(fake, name)()
        entries.append(
            {
                "provider": name,
                "group": GROUPS.get(modules.get(name, ""), "Other"),
                "example": _example(value),
                "value_type": _value_type(value),
            }
        )
    return entries


def render() -> str:
    data = {"locales": sorted(AVAILABLE_LOCALES), "providers": build()}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _offer(text: str) -> tuple[list[str], list[tuple[str, str, str]]]:
    data = json.loads(text)
    return data["locales"], [(item["provider"], item["group"], item["value_type"]) for item in data["providers"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    target = Path(FAKER_DATA)
    text = render()
    if args.check:
        # Examples of date providers move with the clock: the check compares what is offered, not the examples.
        if not target.exists() or _offer(target.read_text(encoding="utf-8")) != _offer(text):
            print(f"{target} is stale: run `make contracts`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {len(json.loads(text)['providers'])} providers to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
