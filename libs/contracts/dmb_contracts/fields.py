"""Field and table specifications: what a user models, shared by every service.

A spec is validated here, once, before any service acts on it, so the gateway can refuse bad input with a
clear message and every service can trust what it receives.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dmb_contracts.identifiers import validate_identifier

JsonScalar = str | int | float | bool | None


class StorageType(StrEnum):
    STRING = "string"
    TEXT = "text"
    INTEGER = "integer"
    BIG_INTEGER = "big_integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    EMAIL = "email"
    URL = "url"


NUMERIC_TYPES = frozenset({StorageType.INTEGER, StorageType.BIG_INTEGER, StorageType.DECIMAL, StorageType.FLOAT})
INTEGER_TYPES = frozenset({StorageType.INTEGER, StorageType.BIG_INTEGER})
TEMPORAL_TYPES = frozenset({StorageType.DATE, StorageType.DATETIME})
TEXTUAL_TYPES = frozenset({StorageType.STRING, StorageType.TEXT, StorageType.EMAIL, StorageType.URL})

#: Default column length when the user sets none; long enough for realistic values.
DEFAULT_MAX_LENGTH: dict[StorageType, int] = {
    StorageType.STRING: 255,
    StorageType.EMAIL: 254,
    StorageType.URL: 2048,
}
INTEGER_LIMITS: dict[StorageType, tuple[int, int]] = {
    StorageType.INTEGER: (-(2**31), 2**31 - 1),
    StorageType.BIG_INTEGER: (-(2**63), 2**63 - 1),
}


class SpecError(ValueError):
    """A rule a spec breaks; `field` names where (None for the table itself)."""

    def __init__(self, field: str | None, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.rule = rule
        self.message = message


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FakerGenerator(_Spec):
    """Any Faker provider by name, e.g. `{"kind": "faker", "provider": "first_name"}`."""

    kind: Literal["faker"] = "faker"
    provider: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    args: dict[str, JsonScalar] = Field(default_factory=dict)


class SequenceGenerator(_Spec):
    kind: Literal["sequence"] = "sequence"
    start: int = 1
    step: int = 1

    @field_validator("step")
    @classmethod
    def _moves(cls, step: int) -> int:
        if step == 0:
            raise ValueError("a sequence step cannot be 0 (every value would be the same)")
        return step


class RangeGenerator(_Spec):
    """Uniformly spread values between the field's min and max (or the bounds given here)."""

    kind: Literal["range"] = "range"
    min: int | float | str | None = None
    max: int | float | str | None = None


class ChoicesGenerator(_Spec):
    kind: Literal["choices"] = "choices"
    values: Annotated[list[JsonScalar], Field(min_length=1)]
    weights: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> ChoicesGenerator:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights given for {len(self.values)} values")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self


class RegexGenerator(_Spec):
    kind: Literal["regex"] = "regex"
    pattern: Annotated[str, Field(min_length=1, max_length=1000)]

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        return pattern


class ConstantGenerator(_Spec):
    kind: Literal["constant"] = "constant"
    value: JsonScalar


class AIGenerator(_Spec):
    """Values written by a language model from the table's context; Faker stands in on any failure."""

    kind: Literal["ai"] = "ai"
    instructions: Annotated[str, Field(max_length=2000)] = ""


GeneratorSpec = Annotated[
    FakerGenerator
    | SequenceGenerator
    | RangeGenerator
    | ChoicesGenerator
    | RegexGenerator
    | ConstantGenerator
    | AIGenerator,
    Field(discriminator="kind"),
]


def parse_bound(storage: StorageType, value: int | float | str) -> Decimal | dt.date | dt.datetime:
    """A min/max bound as the Python value of the field's type (numbers as Decimal, exact)."""
    if storage in NUMERIC_TYPES:
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a number") from exc
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return number
    if storage is StorageType.DATE:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)")
        return dt.date.fromisoformat(value)
    if storage is StorageType.DATETIME:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not an ISO datetime")
        return dt.datetime.fromisoformat(value)
    raise ValueError(f"min/max do not apply to {storage.value} fields")


class FieldSpec(_Spec):
    """One column: its storage type, constraints and value generator."""

    name: str
    type: StorageType
    description: Annotated[str, Field(max_length=1000)] = ""
    nullable: bool = False
    null_percentage: Annotated[float, Field(ge=0, le=100)] = 0
    unique: bool = False
    primary_key: bool = False
    min_length: Annotated[int, Field(ge=0)] | None = None
    max_length: Annotated[int, Field(gt=0, le=10_485_760)] | None = None
    min: int | float | str | None = None
    max: int | float | str | None = None
    precision: Annotated[int, Field(gt=0, le=1000)] | None = None
    scale: Annotated[int, Field(ge=0, le=1000)] | None = None
    choices: Annotated[list[JsonScalar], Field(min_length=1)] | None = None
    pattern: Annotated[str, Field(max_length=1000)] | None = None
    default: JsonScalar = None
    generator: GeneratorSpec | None = None
    renamed_from: str | None = Field(
        default=None,
        description="Only in an altered definition: the field's name in the current version, when this change "
        "renames it (its rows keep their values). Not stored in the new version.",
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        validate_identifier(name)
        return name

    @field_validator("renamed_from")
    @classmethod
    def _valid_old_name(cls, name: str | None) -> str | None:
        if name is not None:
            validate_identifier(name)
        return name

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        for rule in _FIELD_RULES:
            rule(self)
        return self

    @property
    def length_limit(self) -> int | None:
        """The column length: the user's max_length, else the type's default (None: unlimited)."""
        return self.max_length if self.max_length is not None else DEFAULT_MAX_LENGTH.get(self.type)

    def bounds(self) -> tuple[Any, Any]:
        """(min, max) as values of the field's type, None where unset."""
        low = None if self.min is None else parse_bound(self.type, self.min)
        high = None if self.max is None else parse_bound(self.type, self.max)
        return low, high


def _check_lengths(spec: FieldSpec) -> None:
    if (spec.min_length is not None or spec.max_length is not None) and spec.type not in TEXTUAL_TYPES:
        raise SpecError(spec.name, "length", f"min_length/max_length apply to text fields, not {spec.type.value}")
    if spec.min_length is not None and spec.max_length is not None and spec.min_length > spec.max_length:
        raise SpecError(
            spec.name, "length", f"min_length {spec.min_length} is greater than max_length {spec.max_length}"
        )


def _check_bounds(spec: FieldSpec) -> None:
    if spec.min is None and spec.max is None:
        return
    try:
        low, high = spec.bounds()
    except ValueError as exc:
        raise SpecError(spec.name, "range", str(exc)) from exc
    if low is not None and high is not None and low > high:
        raise SpecError(spec.name, "range", f"min {spec.min} is greater than max {spec.max}")
    if spec.type in INTEGER_LIMITS:
        floor, ceiling = INTEGER_LIMITS[spec.type]
        for bound in (low, high):
            if bound is not None and not floor <= bound <= ceiling:
                raise SpecError(
                    spec.name, "range", f"{bound} is outside the {spec.type.value} range {floor}..{ceiling}"
                )


def _check_precision(spec: FieldSpec) -> None:
    if (spec.precision is not None or spec.scale is not None) and spec.type is not StorageType.DECIMAL:
        raise SpecError(spec.name, "precision", f"precision/scale apply to decimal fields, not {spec.type.value}")
    if spec.type is StorageType.DECIMAL:
        precision, scale = spec.precision or 18, spec.scale if spec.scale is not None else 2
        if scale > precision:
            raise SpecError(spec.name, "precision", f"scale {scale} is greater than precision {precision}")


def _check_keys(spec: FieldSpec) -> None:
    if spec.primary_key and spec.nullable:
        raise SpecError(spec.name, "primary_key", "a primary key cannot be nullable")
    if spec.null_percentage > 0 and not spec.nullable:
        raise SpecError(spec.name, "nullable", "null_percentage needs nullable: true")
    if spec.type is StorageType.BOOLEAN and (spec.unique or spec.primary_key):
        raise SpecError(spec.name, "unique", "a boolean field has only two values and cannot be unique")


def _check_pattern_and_choices(spec: FieldSpec) -> None:
    if spec.pattern is not None:
        if spec.type not in TEXTUAL_TYPES:
            raise SpecError(spec.name, "pattern", f"a pattern applies to text fields, not {spec.type.value}")
        try:
            compiled = re.compile(spec.pattern)
        except re.error as exc:
            raise SpecError(spec.name, "pattern", f"invalid regular expression: {exc}") from exc
    else:
        compiled = None
    for choice in spec.choices or []:
        if choice is None:
            raise SpecError(spec.name, "choices", "choices cannot contain null; use nullable instead")
        if compiled is not None and not compiled.fullmatch(str(choice)):
            raise SpecError(spec.name, "choices", f"choice {choice!r} does not match the pattern {spec.pattern!r}")
        limit = spec.length_limit if spec.type in TEXTUAL_TYPES else None
        if limit is not None and len(str(choice)) > limit:
            raise SpecError(spec.name, "choices", f"choice {choice!r} is longer than max_length {limit}")


_FIELD_RULES = (_check_lengths, _check_bounds, _check_precision, _check_keys, _check_pattern_and_choices)

MAX_FIELDS = 500


class TableSpec(_Spec):
    """A table as the user designed it."""

    table_name: str
    display_name: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=5000)] = ""
    fields: Annotated[list[FieldSpec], Field(min_length=1, max_length=MAX_FIELDS)]

    @field_validator("table_name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        validate_identifier(name)
        return name

    @model_validator(mode="after")
    def _distinct_fields(self) -> TableSpec:
        seen: dict[str, str] = {}
        for spec in self.fields:
            key = spec.name.lower()
            if key in seen:
                raise SpecError(spec.name, "duplicate", f"field name {spec.name!r} is used twice (as {seen[key]!r})")
            seen[key] = spec.name
        return self

    def field(self, name: str) -> FieldSpec:
        return next(spec for spec in self.fields if spec.name == name)

    @property
    def primary_key(self) -> list[str]:
        return [spec.name for spec in self.fields if spec.primary_key]
