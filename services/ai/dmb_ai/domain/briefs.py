"""The analyze step: what each AI field means and which rules its values must pass, from the table, the
field, the user's context and the row's other fields. Pure: the prompt and the judge read these briefs."""

from __future__ import annotations

import re

from dmb_contracts.fields import TEXTUAL_TYPES, AIGenerator, FieldSpec, StorageType, TableSpec
from dmb_contracts.generator_defaults import effective_generator
from pydantic import BaseModel, ConfigDict

from dmb_ai.domain.identifiers import Identifier, identifier_for
from dmb_ai.domain.judge import CheckDigit, implied_check_digit
from dmb_ai.domain.language import wanted_language


class FieldBrief(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: FieldSpec
    meaning: str
    check_digit: CheckDigit | None = None
    #: The mail domain the context names for an e-mail field ("work e-mails use acmebank.co.uk").
    email_domain: str | None = None


class RequestBrief(BaseModel):
    """What the model is asked for: the fields it writes together (one row each), and the rules they pass."""

    model_config = ConfigDict(frozen=True)

    table: str
    table_description: str
    context: str
    locale: str
    language: str
    fields: list[FieldBrief]
    other_fields: list[str]
    #: Fields whose values code makes (a pattern, choices, a range, a type no model is needed for, an
    #: identifier with a check digit), with why.
    code_made: dict[str, str]
    #: Fields whose pools code makes here, in the AI service (identifiers with a check digit).
    identifiers: dict[str, Identifier] = {}


def code_made_reason(field: FieldSpec) -> str | None:
    """Why code, not a model, makes the field's values (None: the model writes them)."""
    if not isinstance(effective_generator(field, has_pool=True), AIGenerator):
        return "its pattern or choices produce the values"
    if field.type not in TEXTUAL_TYPES:
        return f"{field.type.value} values come from its range, not from a model"
    return None


def _describe(field: FieldSpec) -> str:
    parts = [f"{field.name} ({field.type.value})"]
    if field.description:
        parts.append(field.description)
    if isinstance(field.generator, AIGenerator) and field.generator.instructions:
        parts.append(f"instructions: {field.generator.instructions}")
    limits = []
    if field.min_length is not None:
        limits.append(f"at least {field.min_length} characters")
    if field.length_limit is not None:
        limits.append(f"at most {field.length_limit} characters")
    if field.unique:
        limits.append("every value different")
    if limits:
        parts.append(", ".join(limits))
    return "; ".join(parts)


#: A domain name: labels and a top-level domain of letters (not "node.js" or "e.g.", see _NOT_DOMAINS).
_DOMAIN = re.compile(r"(?<![\w.-])@?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,12})(?![\w-])", re.I)
_NOT_DOMAINS = frozenset({"js", "ts", "py", "md", "rb", "sh", "txt", "csv", "json", "xml", "html", "pdf", "exe"})


def email_domain(*texts: str) -> str | None:
    """The mail domain the user's texts name, if exactly one: values of an e-mail field are then at it."""
    found = {
        match.group(1).lower().rstrip(".")
        for text in texts
        for match in _DOMAIN.finditer(text)
        if match.group(1).rsplit(".", 1)[-1].lower() not in _NOT_DOMAINS
    }
    return found.pop() if len(found) == 1 else None


def identifier_reason(identifier: Identifier) -> str:
    return (
        f"{identifier.described} made by code, not by the AI model: random digits drawn with the job's seed and "
        "the check digit computed, so every value is valid and different"
    )


def analyze(table: TableSpec, fields: list[FieldSpec], context: str, locale: str) -> RequestBrief:
    """The brief of one request: model-written fields first, code-made ones set aside with the reason."""
    identifiers = {
        field.name: identifier
        for field in fields
        if code_made_reason(field) is None and (identifier := identifier_for(field, table, context, locale))
    }
    written = [field for field in fields if code_made_reason(field) is None and field.name not in identifiers]
    asked = {field.name for field in fields}
    briefs = []
    for field in written:
        kind = implied_check_digit(field)
        meaning = _describe(field)
        if kind is not None:
            meaning += f"; must be a real {kind.value} with a correct check digit, not a counting sequence"
        domain = None
        if field.type is StorageType.EMAIL:
            instructions = field.generator.instructions if isinstance(field.generator, AIGenerator) else ""
            domain = email_domain(context, table.description, field.description, instructions or "")
            meaning += "; realistic personal or work addresses, varied, never example1@ or test@"
            if domain:
                meaning += f"; every address is at @{domain} (people's names before the @)"
        briefs.append(FieldBrief(field=field, meaning=meaning, check_digit=kind, email_domain=domain))
    return RequestBrief(
        table=table.display_name or table.table_name,
        table_description=table.description,
        context=context,
        locale=locale,
        language=wanted_language(context, locale),
        fields=briefs,
        other_fields=[_describe(field) for field in table.fields if field.name not in asked],
        code_made={
            **{field.name: reason for field in fields if (reason := code_made_reason(field)) is not None},
            **{name: identifier_reason(identifier) for name, identifier in identifiers.items()},
        },
        identifiers=identifiers,
    )


def code_notes(brief: RequestBrief) -> list[str]:
    """What the job says about the fields code made instead of the model."""
    return [f"field {name}: {reason}" for name, reason in brief.code_made.items()]
