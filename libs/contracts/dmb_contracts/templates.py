"""The template language of derived fields: `{first_name|ascii|lower}.{last_name|ascii|lower}@example.com`.

A template is literal text with `{field|filter|filter:arg}` references to other fields of the same row;
`{{` and `}}` stand for literal braces. It is parsed here, once, into parts; nothing in it is ever evaluated,
looked up by name outside FILTERS, or formatted with str.format, so a template cannot reach any code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Filter name -> whether it takes a whole-number argument (`truncate:8`). Each is a plain text function,
#: implemented by the generator (dmb_generator.domain.derived).
FILTERS: dict[str, bool] = {
    "lower": False,  # "Anna" -> "anna"
    "upper": False,  # "Anna" -> "ANNA"
    "title": False,  # "anna maría" -> "Anna María"
    "trim": False,  # surrounding spaces removed
    "ascii": False,  # accents and special letters transliterated: "Müller" -> "Muller", "Straße" -> "Strasse"
    "slug": False,  # ascii, lower case, every run of other characters one "-": "Anna María" -> "anna-maria"
    "alnum": False,  # ascii letters and digits only: "O'Neil-Smith" -> "ONeilSmith"
    "initial": False,  # the first character: "Anna" -> "A"
    "truncate": True,  # at most N characters: truncate:3 on "Anna" -> "Ann"
}
MAX_FILTER_ARGUMENT = 10_000

_REFERENCE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)((?:\|[a-z]+(?::[0-9]+)?)*)\}")
_FILTER = re.compile(r"\|([a-z]+)(?::([0-9]+))?")


@dataclass(frozen=True)
class Reference:
    """`{field|filter...}`: a field of the same row, then its filters left to right."""

    field: str
    filters: tuple[tuple[str, int | None], ...] = ()


TemplatePart = str | Reference


def parse_template(template: str) -> tuple[TemplatePart, ...]:
    """The template as literal strings and references; ValueError saying where it is malformed."""
    parts: list[TemplatePart] = []
    literal: list[str] = []
    position = 0
    while position < len(template):
        char = template[position]
        if template.startswith("{{", position) or template.startswith("}}", position):
            literal.append(char)
            position += 2
            continue
        if char == "}":
            raise ValueError(f"unmatched '}}' at position {position} (write '}}}}' for a literal brace)")
        if char != "{":
            literal.append(char)
            position += 1
            continue
        match = _REFERENCE.match(template, position)
        if match is None:
            end = template.find("}", position)
            shown = template[position : end + 1 if end >= 0 else len(template)][:60]
            raise ValueError(
                f"{shown!r} at position {position} is not a field reference like '{{first_name}}' or "
                "'{first_name|lower}' (write '{{' for a literal brace)"
            )
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(Reference(match[1], _filters(match[2])))
        position = match.end()
    if literal:
        parts.append("".join(literal))
    if not any(isinstance(part, Reference) for part in parts):
        raise ValueError("a template must reference at least one field, like '{first_name}'")
    return tuple(parts)


def _filters(text: str) -> tuple[tuple[str, int | None], ...]:
    filters: list[tuple[str, int | None]] = []
    for match in _FILTER.finditer(text):
        name, argument = match[1], match[2]
        if name not in FILTERS:
            raise ValueError(f"unknown filter {name!r}; the filters are {', '.join(FILTERS)}")
        if FILTERS[name] and argument is None:
            raise ValueError(f"the filter {name!r} needs a number, like '{name}:8'")
        if not FILTERS[name] and argument is not None:
            raise ValueError(f"the filter {name!r} takes no argument")
        value = None if argument is None else int(argument)
        if value is not None and not 0 < value <= MAX_FILTER_ARGUMENT:
            raise ValueError(f"the filter {name!r} takes a number from 1 to {MAX_FILTER_ARGUMENT}")
        filters.append((name, value))
    return tuple(filters)


def template_references(template: str) -> tuple[str, ...]:
    """The fields a (valid) template reads, in order of first use."""
    names = [part.field for part in parse_template(template) if isinstance(part, Reference)]
    return tuple(dict.fromkeys(names))
