"""What the model is told: the brief, how many rows, the values already kept, and what was wrong last time.

Small models repeat themselves within one answer, so each call asks for a small batch and lists what is
already kept ("give different ones"); refusals are fed back so the next batch avoids them.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, create_model

from dmb_ai.domain.briefs import RequestBrief
from dmb_ai.domain.screening import Row

#: The most kept values and refusals quoted back in one prompt (prompt size stays bounded).
SHOWN_KEPT = 60
SHOWN_REFUSED = 12

_LANGUAGES = {
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "sv": "Swedish",
    "ru": "Russian",
    "ja": "Japanese",
    "zh": "Chinese",
    "en": "English",
}


def system_prompt(brief: RequestBrief) -> str:
    language = _LANGUAGES.get(brief.language, brief.language)
    lines = [
        "You write realistic test data for one database table. Answer only through the given tool/JSON schema.",
        f"Table: {brief.table}" + (f" — {brief.table_description}" if brief.table_description else ""),
    ]
    if brief.context:
        lines.append(f"Context from the user: {brief.context}")
    lines.append(f"Write every value in {language} (locale {brief.locale}).")
    lines.append("Each row has these fields, which belong together (values of one row must fit each other):")
    lines += [f"- {field.meaning}" for field in brief.fields]
    if brief.other_fields:
        lines.append("Other columns of the table (filled by other means, for context only):")
        lines += [f"- {other}" for other in brief.other_fields]
    lines.append(
        "Rules: realistic, varied values like those found in real data; no placeholders (no 'Lorem', "
        "'Product 1', 'Patient 2', 'example1@…'); no counting sequences; no numbering added to make values differ."
    )
    return "\n".join(lines)


def user_prompt(brief: RequestBrief, rows: int, kept: Sequence[Row], refused: Sequence[str]) -> str:
    lines = [f"Give {rows} new rows."]
    names = [field.field.name for field in brief.fields]
    if kept:
        shown = kept[-SHOWN_KEPT:]
        lines.append(f"Already kept ({len(kept)}); give DIFFERENT ones, do not repeat any of these:")
        lines += ["- " + " | ".join(str(row.get(name)) for name in names) for row in shown]
    if refused:
        lines.append("These were refused; avoid the same mistakes:")
        lines += [f"- {line}" for line in refused[-SHOWN_REFUSED:]]
    return "\n".join(lines)


def answer_model(brief: RequestBrief) -> type[BaseModel]:
    """The structured answer: `rows`, each an object with one text value per field written by the model.

    Python names are positional (f0, f1…) and the fields' own names are aliases, so a field called `schema`
    or `json` does not shadow pydantic's methods; the JSON schema the model sees uses the real names."""
    row_fields: dict[str, object] = {
        f"f{index}": (str, Field(alias=field.field.name, description=field.meaning))
        for index, field in enumerate(brief.fields)
    }
    row = create_model(  # type: ignore[call-overload]
        "Row", __config__=ConfigDict(populate_by_name=True), **row_fields
    )
    return create_model(
        "Rows",
        __doc__="New rows of test data for the table.",
        rows=(list[row], Field(description="The new rows, all different from each other and from those kept.")),
    )
