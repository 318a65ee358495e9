"""A field's constraints and generator in one readable line each: what the web UI, the CLI and the export's
About sheet show, worded the same everywhere."""

from __future__ import annotations

from typing import assert_never

from dmb_contracts.fields import (
    AIGenerator,
    BundleGenerator,
    ChoicesGenerator,
    ConstantGenerator,
    FakerGenerator,
    FieldSpec,
    GeneratorSpec,
    JsonObjectGenerator,
    RangeGenerator,
    ReferenceGenerator,
    RegexGenerator,
    SequenceGenerator,
    StorageType,
    TemplateGenerator,
)


def _bound(value: object) -> str:
    return "" if value is None else str(value)


def summarize_constraints(field: FieldSpec) -> str:
    """The field's constraints in one readable line, e.g. "unique; required; length ≤ 100"."""
    parts: list[str] = []
    if field.primary_key:
        parts.append("primary key")
    elif field.unique:
        parts.append("unique")
    if field.nullable:
        parts.append(f"nullable ({field.null_percentage:g}% null)" if field.null_percentage else "nullable")
    else:
        parts.append("required")
    if field.min_length is not None or field.max_length is not None:
        if field.min_length is not None and field.max_length is not None:
            parts.append(f"length {field.min_length} … {field.max_length}")
        elif field.max_length is not None:
            parts.append(f"length ≤ {field.max_length}")
        else:
            parts.append(f"length ≥ {field.min_length}")
    if field.min is not None and field.max is not None:
        parts.append(f"range {field.min} … {field.max}")
    elif field.min is not None:
        parts.append(f"≥ {field.min}")
    elif field.max is not None:
        parts.append(f"≤ {field.max}")
    if field.references is not None:
        reference = field.references
        parts.append(f"references {reference.table}.{reference.field} (on delete {reference.on_delete})")
    if field.type is StorageType.DECIMAL:
        precision = field.precision or 18
        scale = field.scale if field.scale is not None else 2
        parts.append(f"precision {precision}, scale {scale}")
    if field.choices:
        parts.append("choices: " + ", ".join(str(choice) for choice in field.choices))
    if field.pattern:
        parts.append(f"pattern {field.pattern}")
    if field.default is not None:
        parts.append(f"default {field.default}")
    return "; ".join(parts)


def summarize_generator(generator: GeneratorSpec | None) -> str:
    """How the field's values are made, in one line. Total over GeneratorSpec: mypy's exhaustiveness check
    (`assert_never`) fails when a new kind is added to the union without a description here."""
    if generator is None:
        return "default for the type"
    if isinstance(generator, FakerGenerator):
        arguments = ", ".join(f"{name}={value!r}" for name, value in generator.args.items())
        return f"faker {generator.provider}({arguments})"
    if isinstance(generator, SequenceGenerator):
        return f"sequence from {generator.start}, step {generator.step}"
    if isinstance(generator, RangeGenerator):
        if generator.min is None and generator.max is None:
            return "range (field bounds)"
        shape = "" if generator.distribution == "uniform" else f", {generator.distribution}"
        return f"range {_bound(generator.min)} … {_bound(generator.max)}{shape}"
    if isinstance(generator, ChoicesGenerator):
        listed = ", ".join(str(value) for value in generator.values)
        return f"choices: {listed}" + (" (weighted)" if generator.weights else "")
    if isinstance(generator, RegexGenerator):
        return f"regex {generator.pattern}"
    if isinstance(generator, ConstantGenerator):
        return f"constant {generator.value!r}"
    if isinstance(generator, AIGenerator):
        return f"AI: {generator.instructions}" if generator.instructions else "AI"
    if isinstance(generator, TemplateGenerator):
        return f"template {generator.template}"
    if isinstance(generator, BundleGenerator):
        group = f" (group {generator.group})" if generator.group else ""
        return f"{generator.bundle} bundle: {generator.part}{group}"
    if isinstance(generator, JsonObjectGenerator):
        return "JSON objects" + (f" with keys {', '.join(generator.keys)}" if generator.keys else "")
    if isinstance(generator, ReferenceGenerator):
        children = generator.children_per_parent
        if children is None:
            return "parent keys, drawn uniformly"
        return f"parent keys, {children.min} … {children.max} rows per parent"
    assert_never(generator)
