"""validate → de-duplicate: which rows of a model's answer join the pool, and why the others did not.

A row is kept only when every value passes the field's own rules (the contracts' `value_problem`: type,
length, pattern, bounds, choices — the rules the generator holds a value to) and the judge (check digits,
placeholders, language, enumerations), and when it repeats no row already kept nor any kept value of a
unique field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dmb_contracts.fields import JsonScalar, value_problem

from dmb_ai.domain.briefs import RequestBrief
from dmb_ai.domain.judge import (
    check_digit_problem,
    enumerated,
    placeholder_problem,
    repair_check_digit,
    shape_problem,
)
from dmb_ai.domain.language import language_problem, one_word_values_off_language

Row = dict[str, JsonScalar]


@dataclass
class Screening:
    kept: list[Row] = field(default_factory=list)
    #: One line per refused value or row: the value and why, as fed back to the model.
    refused: list[str] = field(default_factory=list)


def _value_problem(brief: RequestBrief, name: str, value: JsonScalar) -> str | None:
    field_brief = next(b for b in brief.fields if b.field.name == name)
    spec = field_brief.field
    problem = value_problem(spec, value)
    if problem is not None or value is None:
        return problem
    text = str(value).strip()
    if not text:
        return "is empty"
    if text != str(value):
        return "has spaces around it"
    problem = shape_problem(spec, text) or placeholder_problem(spec, text)
    if problem is None and field_brief.check_digit is not None:
        problem = check_digit_problem(field_brief.check_digit, text)
    if problem is None:
        problem = language_problem(text, brief.language)
    return problem


def repaired(brief: RequestBrief, raw: Mapping[str, JsonScalar]) -> Row:
    """The row with what code can compute put right before it is judged: check digits (a small model cannot
    compute them), and an e-mail's domain when the context names one (the model invents its own)."""
    row: Row = {}
    for field_brief in brief.fields:
        name = field_brief.field.name
        value = raw.get(name)
        if isinstance(value, str) and field_brief.check_digit is not None:
            value = repair_check_digit(field_brief.check_digit, value.strip())
        if isinstance(value, str) and field_brief.email_domain and value.count("@") == 1:
            local = value.strip().split("@", 1)[0]
            if local:
                value = f"{local}@{field_brief.email_domain}"
        row[name] = value
    return row


def _key(row: Row, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(row.get(name)).casefold() for name in names)


def screen(brief: RequestBrief, answer: Sequence[Mapping[str, JsonScalar]], kept: Sequence[Row]) -> Screening:
    """The rows of `answer` that may join `kept`, and the reasons for the rest."""
    names = [b.field.name for b in brief.fields]
    unique = [b.field.name for b in brief.fields if b.field.unique or b.field.primary_key]
    seen_rows = {_key(row, names) for row in kept}
    seen_values = {name: {str(row.get(name)).casefold() for row in kept} for name in unique}
    answer = [repaired(brief, raw) for raw in answer]
    everything = [*kept, *answer]
    counted = {
        name: enumerated([str(row.get(name)) for row in everything if row.get(name) is not None]) for name in names
    }
    off_language = {
        name: one_word_values_off_language(
            [value for row in answer if isinstance(value := row.get(name), str)], brief.language
        )
        for name in names
    }
    out = Screening()
    for raw in answer:
        row: Row = {name: raw.get(name) for name in names}
        problems = _row_problems(brief, row, names, counted, off_language)
        key = _key(row, names)
        if not problems and key in seen_rows:
            problems = ["repeats a value already given"]
        for name in unique:
            if not problems and str(row[name]).casefold() in seen_values[name]:
                problems = [f"{name} repeats a value already given (it must be unique)"]
        if problems:
            out.refused.append(f"{_shown(row, names)}: {'; '.join(problems)}")
            continue
        out.kept.append(row)
        seen_rows.add(key)
        for name in unique:
            seen_values[name].add(str(row[name]).casefold())
    return out


def _row_problems(
    brief: RequestBrief,
    row: Row,
    names: Sequence[str],
    counted: Mapping[str, set[str]],
    off_language: Mapping[str, set[str]],
) -> list[str]:
    problems = []
    for name in names:
        value = row[name]
        problem = _value_problem(brief, name, value)
        if problem is None and value is not None and str(value) in counted[name]:
            problem = "is one of an enumeration (the same words with counting numbers)"
        if problem is None and isinstance(value, str) and value in off_language[name]:
            problem = f"is English, like the other one-word values of this answer, not {brief.language}"
        if problem is not None:
            problems.append(f"{name} {problem}")
    return problems


def _shown(row: Row, names: Sequence[str]) -> str:
    if len(names) == 1:
        return repr(row[names[0]])
    return "{" + ", ".join(f"{name}: {row[name]!r}" for name in names) + "}"
