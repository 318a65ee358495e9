"""Field and table specifications: what a user models, shared by every service.

A spec is validated here, once, before any service acts on it, so the gateway can refuse bad input with a
clear message and every service can trust what it receives.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dmb_contracts.identifiers import derived_name, identifier_problem, validate_identifier
from dmb_contracts.rules import MAX_RULES, Rule, check_rules
from dmb_contracts.templates import parse_template, template_references

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
    UUID = "uuid"
    JSON = "json"
    TIME = "time"
    FOREIGN_KEY = "foreign_key"


@dataclass(frozen=True)
class TypeTraits:
    """What the shared rules need to know about a storage type. Adding a type = one StorageType member, one
    entry in TYPE_TRAITS, and one entry in each service's table keyed by StorageType (docs/field-types.md);
    a test fails for any type missing from any of them."""

    description: str
    textual: bool = False  # a text column: min/max_length, pattern and text choices apply
    numeric: bool = False
    integer: bool = False
    temporal: bool = False  # bounds are ISO text ("2024-01-31", "2024-01-31T12:00", "08:30")
    bounded: bool = False  # min/max apply
    orderable: bool = True  # the database compares values (min/max in the constraint report)
    key: bool = True  # may be unique or a primary key
    referenceable: bool = False  # a foreign key may point at a unique field of this type
    default_length: int | None = None  # the column length when the user sets none


TYPE_TRAITS: dict[StorageType, TypeTraits] = {
    StorageType.STRING: TypeTraits("short text", textual=True, referenceable=True, default_length=255),
    StorageType.TEXT: TypeTraits("long text", textual=True, referenceable=True),
    StorageType.INTEGER: TypeTraits("32-bit integer", numeric=True, integer=True, bounded=True, referenceable=True),
    StorageType.BIG_INTEGER: TypeTraits("64-bit integer", numeric=True, integer=True, bounded=True, referenceable=True),
    StorageType.DECIMAL: TypeTraits("exact decimal (precision, scale)", numeric=True, bounded=True),
    StorageType.FLOAT: TypeTraits("double-precision float", numeric=True, bounded=True),
    StorageType.BOOLEAN: TypeTraits("true or false", orderable=False, key=False),
    StorageType.DATE: TypeTraits("calendar date", temporal=True, bounded=True),
    StorageType.DATETIME: TypeTraits("date and time (no time zone)", temporal=True, bounded=True),
    StorageType.EMAIL: TypeTraits("email address", textual=True, referenceable=True, default_length=254),
    StorageType.URL: TypeTraits("URL", textual=True, referenceable=True, default_length=2048),
    StorageType.UUID: TypeTraits("UUID (version 4 when generated)", orderable=False, referenceable=True),
    StorageType.JSON: TypeTraits("JSON document (object, array or scalar)", orderable=False, key=False),
    StorageType.TIME: TypeTraits("time of day (no time zone)", temporal=True, bounded=True),
    StorageType.FOREIGN_KEY: TypeTraits("a key of another table (the column takes the key's type)"),
}

NUMERIC_TYPES = frozenset(kind for kind, traits in TYPE_TRAITS.items() if traits.numeric)
INTEGER_TYPES = frozenset(kind for kind, traits in TYPE_TRAITS.items() if traits.integer)
TEMPORAL_TYPES = frozenset(kind for kind, traits in TYPE_TRAITS.items() if traits.temporal)
TEXTUAL_TYPES = frozenset(kind for kind, traits in TYPE_TRAITS.items() if traits.textual)
#: The types a foreign key may point at (a unique field or the primary key of the parent).
REFERENCEABLE_TYPES = frozenset(kind for kind, traits in TYPE_TRAITS.items() if traits.referenceable)

#: Default column length when the user sets none; long enough for realistic values.
DEFAULT_MAX_LENGTH: dict[StorageType, int] = {
    kind: traits.default_length for kind, traits in TYPE_TRAITS.items() if traits.default_length is not None
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
    """Values between the field's min and max (or the bounds given here), spread by `distribution`.

    `normal` centres on `mean` (default: the middle of the range) with `stddev` (default: a sixth of the
    range); `exponential` decays from the low bound with mean distance `scale` (or `rate` = 1/scale; default:
    a fifth of the range). Values always stay within the bounds: the distribution is cut to them, not clamped.
    Dates and datetimes take `mean` as an ISO or relative date ("-1y") and `stddev`/`scale` in days. A unique
    field takes every value of its range at most once, so its distribution is uniform whatever is set here.
    """

    kind: Literal["range"] = "range"
    min: int | float | str | None = None
    max: int | float | str | None = None
    distribution: Literal["uniform", "normal", "exponential"] = "uniform"
    mean: int | float | str | None = None
    stddev: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    scale: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    rate: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _parameters_fit_the_distribution(self) -> RangeGenerator:
        given = {name for name in ("mean", "stddev", "scale", "rate") if getattr(self, name) is not None}
        allowed = {"uniform": set(), "normal": {"mean", "stddev"}, "exponential": {"scale", "rate"}}[self.distribution]
        if given - allowed:
            raise ValueError(
                f"{', '.join(sorted(given - allowed))} do not apply to a {self.distribution} distribution"
                + (f" (it takes {' and '.join(sorted(allowed))})" if allowed else "")
            )
        if self.scale is not None and self.rate is not None:
            raise ValueError("give scale or rate (rate = 1/scale), not both")
        if isinstance(self.mean, bool):
            raise ValueError("mean must be a number or a date, not a boolean")
        return self


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


class TemplateGenerator(_Spec):
    """A value built from other fields of the same row, e.g. "{first_name|ascii|lower}.{last_name|ascii|lower}@x.org".

    `{field}` inserts the field's value (empty when null), `|filter` transforms it (see dmb_contracts.templates
    for the list); `{{`/`}}` are literal braces. Nothing is evaluated. For text fields; a unique template field
    gets the same row tag as any unique text field (`anna.smith.1f@x.org`), so it is unique by construction.
    """

    kind: Literal["template"] = "template"
    template: Annotated[str, Field(min_length=1, max_length=1000)]

    @field_validator("template")
    @classmethod
    def _parses(cls, template: str) -> str:
        parse_template(template)
        return template

    @property
    def references(self) -> tuple[str, ...]:
        return template_references(self.template)


#: The values one coherent draw gives, per bundle (see BundleGenerator).
BUNDLE_PARTS: dict[str, tuple[str, ...]] = {
    "person": ("first_name", "last_name", "full_name", "email", "username", "gender", "prefix"),
    "address": ("street", "city", "state", "state_abbr", "postcode", "country", "country_code"),
}


class BundleGenerator(_Spec):
    """One part of a coherent draw shared by several fields of a row, e.g. {"kind": "bundle", "bundle":
    "person", "part": "email"} next to the "first_name" and "last_name" parts gives the person's own address.

    Fields naming the same bundle and `group` share one draw per row; a second group ("buyer", "seller") is a
    second, independent person or address. Parts agree as far as the locale's data allows (docs/generators.md).
    """

    kind: Literal["bundle"] = "bundle"
    bundle: Literal["person", "address"]
    part: str
    group: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_]*$")] = ""

    @model_validator(mode="after")
    def _known_part(self) -> BundleGenerator:
        parts = BUNDLE_PARTS[self.bundle]
        if self.part not in parts:
            raise ValueError(f"{self.bundle} has no part {self.part[:64]!r}; its parts are {', '.join(parts)}")
        return self


def check_derived_fields(fields: list[FieldSpec]) -> None:
    """Template and bundle fields build text from their row: refuse other types, a pattern or choices they
    could not honour, and templates naming unknown fields or depending on themselves (directly or in a cycle)."""
    by_name = {spec.name: spec for spec in fields}
    for spec in fields:
        generator = spec.generator
        if not isinstance(generator, TemplateGenerator | BundleGenerator):
            continue
        what = "a template" if isinstance(generator, TemplateGenerator) else f"a {generator.bundle} bundle"
        if spec.type not in TEXTUAL_TYPES:
            raise SpecError(spec.name, "generator", f"{what} gives text, so it cannot fill a {spec.type.value} field")
        if spec.pattern is not None or spec.choices is not None:
            raise SpecError(
                spec.name, "generator", f"{what} builds its own values: remove the pattern/choices or the generator"
            )
        if isinstance(generator, TemplateGenerator):
            for name in generator.references:
                if name not in by_name:
                    raise SpecError(spec.name, "template", f"the template refers to {name!r}, which is not a field")
    acyclic: set[str] = set()
    for spec in fields:
        _refuse_cycle(spec.name, by_name, [], acyclic)


def _template_refs(spec: FieldSpec) -> tuple[str, ...]:
    return spec.generator.references if isinstance(spec.generator, TemplateGenerator) else ()


def _refuse_cycle(name: str, by_name: dict[str, FieldSpec], path: list[str], acyclic: set[str]) -> None:
    if name in acyclic:
        return
    if name in path:
        cycle = " -> ".join([*path[path.index(name) :], name])
        raise SpecError(path[-1], "template", f"the template depends on itself ({cycle})")
    for reference in _template_refs(by_name[name]):
        _refuse_cycle(reference, by_name, [*path, name], acyclic)
    acyclic.add(name)


class JsonObjectGenerator(_Spec):
    """Small JSON objects for a json field, e.g. `{"kind": "json_object", "keys": ["color", "size"]}`: each key
    gets a seeded value (text, number, boolean or a short list); without keys, a few from a fixed vocabulary."""

    kind: Literal["json_object"] = "json_object"
    keys: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(min_length=1, max_length=50)] | None
    ) = None
    arrays: bool = Field(default=True, description="Whether some values may be short lists of words.")


class ChildrenPerParent(_Spec):
    """How many rows each parent key gets: between min and max, spread uniformly, as a normal centred on the
    middle of the range, or exponentially (most parents few rows, some many); the counts always add up to
    the rows asked."""

    min: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    max: Annotated[int, Field(ge=1, le=1_000_000)]
    distribution: Literal["uniform", "normal", "exponential"] = "uniform"

    @model_validator(mode="after")
    def _ordered(self) -> ChildrenPerParent:
        if self.min > self.max:
            raise ValueError(f"children_per_parent: min {self.min} is greater than max {self.max}")
        return self


class ReferenceGenerator(_Spec):
    """Values of a foreign key, drawn with the job seed from the keys the parent table holds when the job
    starts: uniformly, or with `children_per_parent` {"min": a, "max": b} rows per parent key. A reference to
    the table itself also draws from the earlier rows of the same chunk, so the rows form a hierarchy."""

    kind: Literal["reference"] = "reference"
    children_per_parent: ChildrenPerParent | None = None


GeneratorSpec = Annotated[
    FakerGenerator
    | SequenceGenerator
    | RangeGenerator
    | ChoicesGenerator
    | RegexGenerator
    | ConstantGenerator
    | AIGenerator
    | TemplateGenerator
    | BundleGenerator
    | JsonObjectGenerator
    | ReferenceGenerator,
    Field(discriminator="kind"),
]


def parse_bound(storage: StorageType, value: int | float | str) -> Decimal | dt.date | dt.datetime | dt.time:
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
    if storage is StorageType.TIME:
        return parse_time(value)
    raise ValueError(f"min/max do not apply to {storage.value} fields")


_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")


def parse_time(value: object) -> dt.time:
    """A time of day written "HH:MM" or "HH:MM:SS" (24-hour clock)."""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise ValueError(f"{value!r} is not a time of day (HH:MM or HH:MM:SS)")
    return dt.time.fromisoformat(value)


class ForeignKeyReference(_Spec):
    """Where a foreign_key field points: the primary key or a unique field of another table of the same owner."""

    table: str
    field: str
    on_delete: Literal["restrict", "cascade", "set null"] = "restrict"
    key_type: StorageType | None = Field(
        default=None,
        description="The referenced field's type, which the column takes. Filled in by the schema service when "
        "it creates or alters the table (any value sent is replaced).",
    )
    key_max_length: Annotated[int, Field(gt=0, le=10_485_760)] | None = Field(
        default=None, description="The referenced field's max_length, filled in with key_type."
    )

    @field_validator("table", "field")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        validate_identifier(name)
        return name

    @field_validator("key_type")
    @classmethod
    def _referenceable(cls, kind: StorageType | None) -> StorageType | None:
        if kind is not None and kind not in REFERENCEABLE_TYPES:
            raise ValueError(f"a foreign key cannot point at a {kind.value} field")
        return kind

    def key_field(self, name: str) -> FieldSpec:
        """A field of the referenced key's type: what the referencing column stores."""
        if self.key_type is None:
            raise ValueError(f"{name}: the foreign key to {self.table}.{self.field} is not resolved yet")
        return FieldSpec(name=name, type=self.key_type, max_length=self.key_max_length)


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
    references: ForeignKeyReference | None = Field(
        default=None,
        description='Only for type foreign_key: {"table": "<parent table>", "field": "<its key field>", '
        '"on_delete": "restrict" | "cascade" | "set null"}.',
    )
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

    @property
    def value_type(self) -> StorageType:
        """The type of the values stored: a foreign key's resolved key type, else the field's own."""
        if self.references is not None and self.references.key_type is not None:
            return self.references.key_type
        return self.type

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


def _check_type_rules(spec: FieldSpec) -> None:
    """The rules of the uuid, json, time and foreign_key types (TYPE_TRAITS says what else applies)."""
    traits = TYPE_TRAITS[spec.type]
    if not traits.key and spec.type is not StorageType.BOOLEAN and (spec.unique or spec.primary_key):
        raise SpecError(spec.name, "unique", f"a {spec.type.value} field cannot be unique or a primary key")
    generator = spec.generator
    if isinstance(generator, JsonObjectGenerator) and spec.type is not StorageType.JSON:
        raise SpecError(spec.name, "generator", f"the json_object generator is for json fields, not {spec.type.value}")
    if isinstance(generator, ReferenceGenerator) and spec.type is not StorageType.FOREIGN_KEY:
        raise SpecError(
            spec.name, "generator", f"the reference generator is for foreign_key fields, not {spec.type.value}"
        )
    if spec.type is not StorageType.FOREIGN_KEY:
        if spec.references is not None:
            raise SpecError(spec.name, "references", "references applies to foreign_key fields only")
        return
    reference = spec.references
    if reference is None:
        raise SpecError(spec.name, "references", 'a foreign_key field needs references: {"table": ..., "field": ...}')
    if generator is not None and not isinstance(generator, ReferenceGenerator):
        raise SpecError(
            spec.name, "generator", "a foreign_key takes its values from the parent's keys (generator kind reference)"
        )
    if spec.choices is not None or spec.default is not None:
        raise SpecError(spec.name, "references", "a foreign_key takes its values from the parent's keys, not choices")
    if reference.on_delete == "set null" and not spec.nullable:
        raise SpecError(spec.name, "references", 'on_delete "set null" needs nullable: true')
    # A primary key field may be part of a composite key (a junction table): TableSpec checks that case.
    if isinstance(generator, ReferenceGenerator) and generator.children_per_parent is not None and spec.unique:
        raise SpecError(
            spec.name, "generator", "a unique foreign key gives each parent at most one row; drop children_per_parent"
        )


def _check_default(spec: FieldSpec) -> None:
    """A default must be a value the field could hold: of its type, within its bounds, length, pattern and
    choices; choices must lie within the bounds."""
    if spec.type in NUMERIC_TYPES or spec.type in TEMPORAL_TYPES:
        for choice in spec.choices or []:
            problem = _bound_problem(spec, choice)
            if problem is not None:
                raise SpecError(spec.name, "choices", f"choice {choice!r} {problem}")
    value = spec.default
    if value is None or spec.type is StorageType.FOREIGN_KEY:
        return
    problem = value_problem(spec, value)
    if problem is not None:
        raise SpecError(spec.name, "default", f"default {value!r} {problem}")


def value_problem(spec: FieldSpec, value: JsonScalar) -> str | None:
    """Why `value` cannot be stored in the field as it is (None: it can): its type, bounds, length, pattern
    and choices. The rule a default must pass, and the one every AI value passes before it joins a pool."""
    if value is None:
        return None if spec.nullable else "is null but the field is not nullable"
    problem = _kind_problem(spec, value)
    if problem is None and (spec.type in NUMERIC_TYPES or spec.type in TEMPORAL_TYPES):
        problem = _bound_problem(spec, value)
    if problem is None and spec.type in TEXTUAL_TYPES:
        problem = _text_problem(spec, str(value))
    if problem is None and spec.choices is not None and value not in spec.choices:
        problem = "is not one of the choices"
    return problem


def _text_problem(spec: FieldSpec, text: str) -> str | None:
    limit = spec.length_limit
    if limit is not None and len(text) > limit:
        return f"is longer than max_length {limit}"
    if spec.min_length is not None and len(text) < spec.min_length:
        return f"is shorter than min_length {spec.min_length}"
    if spec.pattern is not None and not re.fullmatch(spec.pattern, text):
        return f"does not match the pattern {spec.pattern!r}"
    return None


def _kind_problem(spec: FieldSpec, value: JsonScalar) -> str | None:
    """Why a JSON value cannot be a value of the field's type (None: it can)."""
    if spec.type is StorageType.BOOLEAN:
        return None if isinstance(value, bool) else "is not true or false"
    if spec.type in NUMERIC_TYPES:
        # Numbers, or numbers written as text (an exact decimal default is kept as text).
        try:
            number = None if isinstance(value, bool) else Decimal(str(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            return f"is not a number (the field is {spec.type.value})"
        if spec.type in INTEGER_TYPES and number != number.to_integral_value():
            return "is not a whole number"
        return None
    if spec.type in TEXTUAL_TYPES or spec.type in TEMPORAL_TYPES:
        return None if isinstance(value, str) else f"is not text (the field is {spec.type.value})"
    return None


def _bound_problem(spec: FieldSpec, value: JsonScalar) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        parsed = parse_bound(spec.type, value)
        low, high = spec.bounds()
    except (ValueError, TypeError) as exc:
        return f"is not a {spec.type.value} value ({exc})"
    try:
        if low is not None and parsed < low:
            return f"is below min {spec.min}"
        if high is not None and parsed > high:
            return f"is above max {spec.max}"
    except TypeError:  # a date against a datetime bound: the bounds rule reports the mismatch
        return None
    return None


_FIELD_RULES = (
    _check_lengths,
    _check_bounds,
    _check_precision,
    _check_keys,
    _check_pattern_and_choices,
    _check_type_rules,
    _check_default,
)

MAX_FIELDS = 500
#: MySQL allows 16 columns in one index (PostgreSQL 32) and 64 indexes on a table; half of those are left
#: for the unique fields' own indexes.
MAX_INDEX_FIELDS = 16
MAX_INDEXES = 32


class IndexSpec(_Spec):
    """A table-level index over one or more fields. `unique: true` makes it a (composite) unique constraint:
    no two rows have the same combination of values (a row with a null in one of the fields is not compared,
    as in SQL)."""

    name: str | None = Field(
        default=None,
        description="The index's name. Left out, it is derived from the table and the fields "
        "(`uq_<table>_<fields>` or `ix_<table>_<fields>`) and stored with the version, so it stays the same.",
    )
    fields: Annotated[list[str], Field(min_length=1, max_length=MAX_INDEX_FIELDS)]
    unique: bool = False

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str | None) -> str | None:
        if name is not None:
            validate_identifier(name)
        return name

    @field_validator("fields")
    @classmethod
    def _distinct_fields(cls, fields: list[str]) -> list[str]:
        for position, name in enumerate(fields):
            if name in fields[:position]:
                raise ValueError(f"field {name[:80]!r} appears twice in the index")
        return fields

    def default_name(self, table_name: str) -> str:
        return derived_name("uq" if self.unique else "ix", table_name, *self.fields)


def unique_constraint_name(table_name: str, field_name: str) -> str:
    """The name of the constraint a field with `unique: true` gets."""
    return derived_name("uq", table_name, field_name)


class TableSpec(_Spec):
    """A table as the user designed it."""

    table_name: str
    display_name: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=5000)] = ""
    fields: Annotated[list[FieldSpec], Field(min_length=1, max_length=MAX_FIELDS)]
    indexes: list[IndexSpec] = Field(
        default_factory=list,
        max_length=MAX_INDEXES,
        description="Table-level indexes; `unique: true` for a composite unique constraint. A composite primary "
        "key is several fields with `primary_key: true`.",
    )
    rules: list[Rule] = Field(
        default_factory=list,
        max_length=MAX_RULES,
        description="Consistency rules: date order within a row, aggregates of child rows (dmb_contracts.rules).",
    )

    @field_validator("table_name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        validate_identifier(name)
        return name

    @model_validator(mode="before")
    @classmethod
    def _name_indexes(cls, data: Any) -> Any:
        """Give every index without a name its derived one, so the stored version carries it and later
        versions (a table rename included) keep the same index. Invalid entries are left to the validation."""
        if not isinstance(data, dict) or not isinstance(data.get("indexes"), list):
            return data
        table_name = data.get("table_name")
        if not isinstance(table_name, str) or identifier_problem(table_name):
            return data
        named: list[Any] = []
        for entry in data["indexes"]:
            try:
                index = entry if isinstance(entry, IndexSpec) else IndexSpec.model_validate(entry)
            except ValueError:
                named.append(entry)
                continue
            if index.name is None and not any(identifier_problem(name) for name in index.fields):
                index = index.model_copy(update={"name": index.default_name(table_name)})
            named.append(index)
        return {**data, "indexes": named}

    @model_validator(mode="after")
    def _distinct_fields(self) -> TableSpec:
        seen: dict[str, str] = {}
        for spec in self.fields:
            key = spec.name.lower()
            if key in seen:
                raise SpecError(spec.name, "duplicate", f"field name {spec.name!r} is used twice (as {seen[key]!r})")
            seen[key] = spec.name
        return self

    @model_validator(mode="after")
    def _derived_fields_resolve(self) -> TableSpec:
        check_derived_fields(self.fields)
        return self

    @model_validator(mode="after")
    def _consistent_indexes(self) -> TableSpec:
        fields = {spec.name: spec for spec in self.fields}
        taken = {unique_constraint_name(self.table_name, spec.name): spec.name for spec in self.fields if spec.unique}
        names: dict[str, str] = {}
        shapes: dict[tuple[tuple[str, ...], bool], str] = {}
        for index in self.indexes:
            name = index.name or index.default_name(self.table_name)
            for field_name in index.fields:
                if field_name not in fields:
                    raise SpecError(name, "index", f"index {name!r}: {field_name[:80]!r} is not a field of the table")
                kind = fields[field_name].type
                if not TYPE_TRAITS[kind].key and kind is not StorageType.BOOLEAN:
                    raise SpecError(
                        name, "index", f"index {name!r}: {kind.value} field {field_name!r} cannot be indexed"
                    )
            if name == self.table_name:
                raise SpecError(name, "index", f"index {name!r} cannot have the table's name")
            if name in names or name in taken:
                other = f"index {names[name]!r}" if name in names else f"the unique constraint of field {taken[name]!r}"
                raise SpecError(name, "duplicate", f"index name {name!r} is already used by {other}")
            names[name] = name
            shape = (tuple(index.fields), index.unique)
            if shape in shapes:
                raise SpecError(name, "duplicate", f"index {name!r} is the same as index {shapes[shape]!r}")
            shapes[shape] = name
            if index.unique:
                _check_unique_index(name, index, fields, self.primary_key)
        return self

    @model_validator(mode="after")
    def _rules_fit(self) -> TableSpec:
        check_rules(self)
        return self

    @model_validator(mode="after")
    def _one_to_one_has_no_children_rule(self) -> TableSpec:
        """A single-field primary key that is a foreign key is one-to-one: each parent gets at most one row."""
        if len(self.primary_key) == 1:
            key = self.field(self.primary_key[0])
            generator = key.generator
            if isinstance(generator, ReferenceGenerator) and generator.children_per_parent is not None:
                raise SpecError(
                    key.name,
                    "generator",
                    "a unique foreign key gives each parent at most one row; drop children_per_parent",
                )
        return self

    @model_validator(mode="after")
    def _self_references(self) -> TableSpec:
        """A foreign key to the table itself must allow null: the first rows have no parent to point at."""
        for spec in self.fields:
            reference = spec.references
            if reference is None or reference.table != self.table_name:
                continue
            if not spec.nullable:
                raise SpecError(spec.name, "references", "a foreign key to the table itself must be nullable")
            target = next((other for other in self.fields if other.name == reference.field), None)
            if target is None or not (target.unique or self.primary_key == [target.name]):
                raise SpecError(
                    spec.name,
                    "references",
                    f"{reference.field!r} is not the primary key or a unique field of this table",
                )
        return self

    def field(self, name: str) -> FieldSpec:
        return next(spec for spec in self.fields if spec.name == name)

    @property
    def primary_key(self) -> list[str]:
        return [spec.name for spec in self.fields if spec.primary_key]

    @property
    def unique_sets(self) -> list[list[str]]:
        """Every combination of fields whose values must not repeat across rows: the primary key (one or
        several fields), each unique field, each unique index."""
        sets = [self.primary_key] if self.primary_key else []
        sets += [[spec.name] for spec in self.fields if spec.unique and not spec.primary_key]
        sets += [index.fields for index in self.indexes if index.unique]
        return sets


def _check_unique_index(name: str, index: IndexSpec, fields: dict[str, FieldSpec], primary_key: list[str]) -> None:
    if set(index.fields) == set(primary_key):
        raise SpecError(name, "unique", f"index {name!r} repeats the primary key, which is already unique")
    if len(index.fields) == 1:
        spec = fields[index.fields[0]]
        if spec.unique:
            raise SpecError(name, "unique", f"index {name!r} repeats field {spec.name!r}, which is already unique")
        if spec.type is StorageType.BOOLEAN:
            raise SpecError(name, "unique", f"index {name!r}: a boolean field has only two values and cannot be unique")
