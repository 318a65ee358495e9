"""The values catalogue: every generator a field may use, as a person picks one (grouped, with an example).

Faker providers come from data/faker_providers.json, which the generator publishes from its own allow-list
(`python -m dmb_generator.catalogue`), so the catalogue offers exactly what a job accepts. The other kinds are
described here, next to the models in fields.py that define them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FAKER_DATA = Path(__file__).parent / "data" / "faker_providers.json"
#: The order groups are shown in; providers Faker files elsewhere go under "Other".
GROUP_ORDER = (
    "Person",
    "Address",
    "Internet",
    "Company",
    "Commerce",
    "Finance",
    "Dates",
    "Text",
    "Codes",
    "Numbers",
    "Other",
)
ValueType = Literal["text", "integer", "number", "boolean", "date", "datetime", "time", "any", "key"]


class CatalogueEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="The generator kind (the `kind` of a field's generator).")
    provider: str | None = Field(default=None, description="For kind faker: the provider's name.")
    label: str
    group: str
    description: str = ""
    example: str = ""
    value_type: ValueType = Field(description="The kind of value it gives, to match it with a field's type.")


class Catalogue(BaseModel):
    locales: list[str] = Field(description="The locales a job may use (Faker's).")
    groups: list[str]
    entries: list[CatalogueEntry]


#: The kinds a person configures, with what they do in a sentence (fields.py defines their settings).
CONFIGURED: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        kind="choices",
        label="Choices",
        group="Custom",
        description="One of the values you list, optionally weighted (e.g. 70% active, 30% closed).",
        example="active",
        value_type="any",
    ),
    CatalogueEntry(
        kind="range",
        label="Range",
        group="Custom",
        description="A number or date between two bounds: uniform, normal (bell curve) or exponential.",
        example="42",
        value_type="any",
    ),
    CatalogueEntry(
        kind="regex",
        label="Pattern",
        group="Custom",
        description="Text matching a regular expression, e.g. [A-Z]{3}-[0-9]{4}.",
        example="QXT-4821",
        value_type="text",
    ),
    CatalogueEntry(
        kind="sequence",
        label="Sequence",
        group="Custom",
        description="1, 2, 3... from a start, by a step: ids and order numbers.",
        example="1, 2, 3",
        value_type="integer",
    ),
    CatalogueEntry(
        kind="template",
        label="Template",
        group="Custom",
        description="Text built from other fields of the row, e.g. {first_name|lower}.{last_name|lower}@example.com.",
        example="anna.smith@example.com",
        value_type="text",
    ),
    CatalogueEntry(
        kind="constant",
        label="Same value",
        group="Custom",
        description="The same value in every row.",
        example="EUR",
        value_type="any",
    ),
    CatalogueEntry(
        kind="reference",
        label="Reference",
        group="Custom",
        description="A key of the parent table's rows (foreign keys), optionally a number of rows per parent.",
        example="17",
        value_type="key",
    ),
    CatalogueEntry(
        kind="ai",
        label="AI",
        group="Custom",
        description="Values a language model writes from the table's context and your instructions; "
        "Faker stands in when AI is unavailable.",
        example="Organic oat milk, 1 l",
        value_type="text",
    ),
)


@lru_cache(maxsize=1)
def values_catalogue() -> Catalogue:
    """Every generator on offer: Faker providers by group, then the kinds a person configures."""
    data = json.loads(FAKER_DATA.read_text(encoding="utf-8"))
    providers = [
        CatalogueEntry(
            kind="faker",
            provider=item["provider"],
            label=item["provider"].replace("_", " "),
            group=item["group"],
            example=item["example"],
            value_type=item["value_type"],
        )
        for item in data["providers"]
    ]
    rank = {group: index for index, group in enumerate(GROUP_ORDER)}
    providers.sort(key=lambda entry: (rank.get(entry.group, len(rank)), entry.label))
    groups = [group for group in GROUP_ORDER if any(entry.group == group for entry in providers)]
    return Catalogue(locales=data["locales"], groups=["Custom", *groups], entries=[*CONFIGURED, *providers])
