"""Column vocabularies: a weighted list of values for a column whose name alone does not say what it holds
(a `genres.name`, a `media_type`, a `status`), checked against the field before anyone sees it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dmb_contracts.ai_assist import MAX_VOCABULARY_VALUES
from dmb_contracts.fields import FieldSpec
from pydantic import BaseModel, Field

from dmb_ai.domain.judge import enumerated, placeholder_problem

MIN_VALUES = 2


class VocabularyItem(BaseModel):
    value: str
    weight: float = Field(default=1, description="how common the value is, relative to the others")


class VocabularyDraft(BaseModel):
    """The values a column takes, most common first."""

    values: list[VocabularyItem]


@dataclass
class Vocabulary:
    values: list[str]
    weights: list[float]
    notes: list[str] = field(default_factory=list)


def _named_like_the_column(value: str, names: set[str]) -> bool:
    """ "Genre 1" in table `genres`, "Name B" in field `name`: the column's own name with a number or letter."""
    match = re.fullmatch(r"(.+?)(\s*[-_#]?\s*\d+|[\s_#-]+[a-z])", value, re.IGNORECASE)
    return match is not None and match.group(1).lower().replace(" ", "_") in names


def _column_names(table_name: str, field_name: str) -> set[str]:
    names = {table_name, field_name, table_name.removesuffix("s"), table_name.removesuffix("es")}
    return {name for name in names if name}


def vocabulary_for(spec: FieldSpec, draft: VocabularyDraft, table_name: str = "") -> Vocabulary:
    """The draft's values that fit `spec`, de-duplicated, with weights that sum to 1; what was dropped is noted.
    Raises ValueError (with the reason, for the model's next attempt) when fewer than two values remain."""
    notes: list[str] = []
    kept: dict[str, float] = {}
    seen: set[str] = set()
    raw = [item.value.strip() for item in draft.values]
    counted = enumerated(raw)
    names = _column_names(table_name, spec.name)
    pattern = re.compile(spec.pattern) if spec.pattern else None
    limit = spec.length_limit
    for item, value in zip(draft.values, raw, strict=True):
        problem = _problem(value, spec, counted, pattern, limit, seen)
        if problem is None and _named_like_the_column(value, names):
            problem = "the column's name with a number, not a real value"
        if problem:
            notes.append(f"dropped {value[:60]!r} ({problem})")
            continue
        seen.add(value.casefold())
        kept[value] = item.weight if item.weight > 0 else 1.0
        if len(kept) == MAX_VOCABULARY_VALUES:
            break
    if len(kept) < MIN_VALUES:
        detail = "; ".join(notes[:5]) or "no values"
        raise ValueError(f"fewer than {MIN_VALUES} usable values ({detail})")
    total = sum(kept.values())
    weights = [round(weight / total, 4) for weight in kept.values()]
    return Vocabulary(list(kept), weights, notes)


def _problem(
    value: str, spec: FieldSpec, counted: set[str], pattern: re.Pattern[str] | None, limit: int | None, seen: set[str]
) -> str | None:
    if not value:
        return "empty"
    if value.casefold() in seen:
        return "repeated"
    placeholder = placeholder_problem(spec, value)
    if placeholder is not None:
        return placeholder
    if value in counted:
        return "one of several values that only count up (like 'Genre 1', 'Genre 2'), not real values"
    if limit is not None and len(value) > limit:
        return f"longer than the field's {limit} characters"
    if spec.min_length is not None and len(value) < spec.min_length:
        return f"shorter than the field's {spec.min_length} characters"
    if pattern is not None and not pattern.fullmatch(value):
        return "does not match the field's pattern"
    return None
