"""What the model is told: the brief, how many rows, the values already kept, and what was wrong last time.

Small models repeat themselves within one answer, so each call asks for a small batch and lists what is
already kept ("give different ones"); refusals are fed back so the next batch avoids them.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, create_model

from dmb_ai.domain.briefs import FieldBrief, RequestBrief
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
    if len(brief.fields) == 1:
        lines.append(f"The values are for this field: {brief.fields[0].meaning}")
    else:
        lines.append("Each row has these fields, which belong together (values of one row must fit each other):")
        lines += [f"- {field.meaning}" for field in brief.fields]
    if brief.other_fields:
        lines.append("Other columns of the table (filled by other means, for context only):")
        lines += [f"- {other}" for other in brief.other_fields]
    names = ", ".join(f"'{field.field.name.replace('_', ' ').title()} 1'" for field in brief.fields)
    lines += [
        "Rules:",
        "- Every value is a real, specific thing as it appears in real records of this kind (a real name, term, "
        "title or text), different from the others; vary them widely.",
        f"- Never a column's name or a generic word with a number ({names}, 'Product 2', 'Paciente 3'), never "
        "numbered or counting values, never placeholders ('Lorem', 'example', 'N/A').",
    ]
    return "\n".join(lines)


def _single(brief: RequestBrief) -> bool:
    return len(brief.fields) == 1


def user_prompt(brief: RequestBrief, rows: int, kept: Sequence[Row], refused: Sequence[str]) -> str:
    names = [field.field.name for field in brief.fields]
    ask = f"Give {rows} new, different values of {names[0]}." if _single(brief) else f"Give {rows} new rows."
    lines = [ask]
    if kept:
        shown = kept[-SHOWN_KEPT:]
        lines.append(f"Already kept ({len(kept)}); give DIFFERENT ones, do not repeat any of these:")
        lines += ["- " + " | ".join(str(row.get(name)) for name in names) for row in shown]
    if refused:
        lines.append("These were refused; avoid the same mistakes:")
        lines += [f"- {line}" for line in refused[-SHOWN_REFUSED:]]
    return "\n".join(lines)


def _text_field(field: FieldBrief) -> tuple[type, object]:
    # No maxLength in the schema: a llama.cpp server compiles "at most 120 characters" into 120 nested
    # optional rules, and inside the bounded list that made one call take minutes; the prompt states the
    # limit and the screening refuses a longer value with the reason.
    return str, Field(alias=field.field.name, description=field.meaning)


def answer_model(brief: RequestBrief) -> type[BaseModel]:
    """The structured answer. One field: `values`, a flat list of strings (half the tokens of one object per
    value, and no per-row key inviting "Diagnosis 1, Diagnosis 2…"). Several fields: `rows`, each an object
    with one text value per field.

    Neither the list nor the values are bounded in the schema: a llama.cpp server compiles `maxItems` and
    `maxLength` into nested grammar rules, and with them one call took minutes instead of seconds (measured
    on the 1.5B model); the workflow trims the list and the screening refuses an over-long value.

    Python names are positional (f0, f1…) and the fields' own names are aliases, so a field called `schema`
    or `json` does not shadow pydantic's methods; the JSON schema the model sees uses the real names."""
    if _single(brief):
        field = brief.fields[0]
        return create_model(
            "Values",
            __doc__=f"New values of the field {field.field.name} for the table.",
            values=(
                list[str],
                Field(description=f"Different realistic values of {field.field.name}, none numbered."),
            ),
        )
    row_fields: dict[str, object] = {f"f{index}": _text_field(field) for index, field in enumerate(brief.fields)}
    row = create_model(  # type: ignore[call-overload]
        "Row", __config__=ConfigDict(populate_by_name=True), **row_fields
    )
    return create_model(
        "Rows",
        __doc__="New rows of test data for the table.",
        rows=(
            list[row],
            Field(description="The new rows, all different from each other and from those kept."),
        ),
    )


def answer_rows(brief: RequestBrief, parsed: BaseModel) -> list[Row]:
    """The parsed answer as rows keyed by field name."""
    if _single(brief):
        name = brief.fields[0].field.name
        return [{name: value} for value in getattr(parsed, "values", [])]
    return [row.model_dump(by_alias=True) for row in getattr(parsed, "rows", [])]
