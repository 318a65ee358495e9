"""Compositions for unique AI fields past the pool: what the model is asked for, and what code accepts.

A composition is accepted only when code can guarantee what the generator needs: every combination distinct
(slots separated by literal text that no part contains, so a value splits back into its parts one way only),
every combination within the field's length limits, at least as many combinations as the job has rows, and
a sample of combinations passing the same screening as pooled values (language, placeholders, the field's
rules).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from dmb_contracts.compositions import Composition
from dmb_contracts.fields import FieldSpec, StorageType
from pydantic import BaseModel, Field, ValidationError

from dmb_ai.domain.briefs import FieldBrief, RequestBrief
from dmb_ai.domain.screening import screen

SAMPLE = 40
#: The share of sampled combinations that may fail screening (a part or two the judge dislikes).
TOLERATED = 0.1
_SLOT = re.compile(r"\{\d+\}")


class CompositionAnswer(BaseModel):
    """A template with slots {0}, {1}, … and, per slot, the words or short phrases that may fill it."""

    template: str = Field(description="For example '{0} {1}' or '{0} de {1}'; literal text between the slots.")
    slots: list[list[str]] = Field(description="Per slot {i}, its options: every combination must be realistic.")


def composable(field: FieldSpec) -> bool:
    """Unique free text: the fields a composition can serve (e-mails, URLs and patterns are made otherwise)."""
    return (
        (field.unique or field.primary_key)
        and field.pattern is None
        and field.type
        in (
            StorageType.STRING,
            StorageType.TEXT,
        )
    )


def composition_prompt(
    brief: RequestBrief, field: FieldBrief, rows: int, examples: Sequence[str], refused: Sequence[str]
) -> str:
    lines = [
        f"The field {field.field.name} needs {rows} DIFFERENT values, more than can be listed one by one.",
        "Design them as combinations: a template with 2 or 3 slots ({0}, {1}, {2}) separated by literal text "
        "(a space at least), and for each slot a list of single words or short names, so that EVERY combination "
        "is a realistic value.",
        f"The product of the list sizes must be at least {rows}; use up to 100 options per slot.",
        "A part must never contain the text that separates the slots.",
    ]
    if examples:
        lines.append("Realistic values look like: " + "; ".join(examples[:12]))
    if refused:
        lines.append("The last design was refused: " + "; ".join(refused[:6]))
    return "\n".join(lines)


def _separators(template: str) -> list[str]:
    return [piece for piece in _SLOT.split(template)[1:-1]]


def accept(
    brief: RequestBrief, field: FieldBrief, answer: CompositionAnswer, rows: int
) -> tuple[Composition | None, list[str]]:
    """The composition code can use for `rows` distinct values of `field`, or None and the reasons."""
    if any(not piece for piece in _separators(answer.template)):
        return None, ["two slots touch: put literal text (a space at least) between them"]
    try:
        composition = Composition(template=answer.template, parts=_clean_parts(answer))
    except ValidationError as exc:
        return None, [str(error["msg"]) for error in exc.errors()[:3]]
    if composition.size < rows:
        return None, [
            f"only {composition.size} combinations (after dropping parts that contain a separator); {rows} needed"
        ]
    problem = _length_problem(field.field, composition)
    if problem is not None:
        return None, [problem]
    refused = _refused_sample(brief, field, composition, rows)
    if len(refused) > TOLERATED * SAMPLE:
        return None, refused[:6]
    return composition, []


def _clean_parts(answer: CompositionAnswer) -> list[list[str]]:
    """Each slot's options, stripped and de-duplicated, without those containing the template's literal text
    (which could make two combinations the same string)."""
    separators = [piece for piece in _SLOT.split(answer.template) if piece]
    slots = []
    for options in answer.slots:
        kept = [option.strip() for option in options if option.strip()]
        slots.append(list(dict.fromkeys(option for option in kept if not any(sep in option for sep in separators))))
    return slots


def _length_problem(spec: FieldSpec, composition: Composition) -> str | None:
    literal = len(_SLOT.sub("", composition.template))
    longest = literal + sum(max(len(option) for option in options) for options in composition.parts)
    shortest = literal + sum(min(len(option) for option in options) for options in composition.parts)
    if spec.length_limit is not None and longest > spec.length_limit:
        return f"the longest combination has {longest} characters; at most {spec.length_limit} fit"
    if spec.min_length is not None and shortest < spec.min_length:
        return f"the shortest combination has {shortest} characters; at least {spec.min_length} needed"
    return None


def _refused_sample(brief: RequestBrief, field: FieldBrief, composition: Composition, rows: int) -> list[str]:
    """Why sampled combinations fail the screening pooled values pass (empty: they all pass)."""
    draw = random.Random(rows)  # the check, not the data: any fixed sample will do
    sample = [composition.value(draw.randrange(composition.size)) for _ in range(SAMPLE)]
    single = brief.model_copy(update={"fields": [field]})
    return screen(single, [{field.field.name: value} for value in dict.fromkeys(sample)], []).refused
