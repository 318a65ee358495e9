"""Foreign-key values: drawn from the parent's keys as they were when the job started.

The keys are read once, at job start, ordered by key, and stored with the job, so every chunk on every
worker draws from the same list and the same seed gives the same rows even if the parent changes later.

- Without `children_per_parent`, each row picks a key uniformly from the chunk's own stream.
- With {"min": a, "max": b}, every parent gets a number of rows in [a, b] and the numbers add up to the
  job's row count exactly. The counts (and the parents' order) come from a stream keyed by the job seed and
  the field alone, so every chunk computes the same layout; a keyed permutation of the job's rows then
  spreads each parent's rows over the table instead of leaving them next to each other.
- A unique foreign key (one-to-one) gives row r the key at a keyed permutation slot of r.

A self-reference (a foreign key to the table's own single-field key) also points at the rows of its own
chunk that come before it, so an empty table gets a hierarchy (org charts, category trees, threads): row j
picks uniformly among the keys read at job start and the keys of rows 0..j-1 of its chunk. Only the own
chunk: chunks are written in any order, each in its own transaction, and the database checks the FOREIGN
KEY as rows go in, so a row may only point at rows committed before the job or inserted before it by the
same statement (one COPY on PostgreSQL, one executemany in chunk order elsewhere). Pointing backwards only
makes a forest: following parents always ends at a root (null, or a row older than the job). A unique
self-reference and one with children_per_parent keep to the keys read at job start (hierarchical_references).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from dmb_contracts.fields import ChildrenPerParent, FieldSpec, ReferenceGenerator, TableSpec
from dmb_contracts.generator_defaults import row_generators

from dmb_generator.domain.coherence import fields_read
from dmb_generator.domain.context import ColumnContext, ParentKeys
from dmb_generator.domain.distributions import (
    EXPONENTIAL_SPREAD,
    NORMAL_SPREAD,
    truncated_exponential,
    truncated_normal,
)
from dmb_generator.domain.key_pairs import key_pairs, unique_alone
from dmb_generator.domain.permutation import Permutation
from dmb_generator.domain.seeding import numpy_rng

#: Keys read from one parent at most: they are stored with the job.
MAX_PARENT_KEYS = 1_000_000


def reference_problems(
    spec: TableSpec,
    total_rows: int,
    parents: dict[str, ParentKeys],
    held_pairs: Mapping[str, Sequence[int]] | None = None,
) -> list[str]:
    """Why the foreign keys of `spec` cannot fill `total_rows` rows from the parents' keys (empty: they can);
    `held_pairs`: the combinations of each junction index the table already holds (key_pairs.py)."""
    problems = []
    alone = unique_alone(spec)
    for pair in key_pairs(spec):
        problems.extend(pair.problems(parents, total_rows, (held_pairs or {}).get(pair.name, ())))
    for field in spec.fields:
        if field.references is None:
            continue
        parent = parents.get(field.name)
        count = len(parent.keys) if parent is not None else 0
        children = _children(field)
        if count == 0 and children is not None and field.references.table == spec.table_name:
            problems.append(
                f"field {field.name!r}: children_per_parent spreads the rows over the rows "
                f"{spec.table_name!r} had when the job started, and it had none; drop children_per_parent "
                "to build a hierarchy from the new rows"
            )
            continue
        if count == 0:
            if not field.nullable:
                problems.append(
                    f"field {field.name!r}: the parent table {field.references.table!r} has no rows; "
                    "generate its rows first"
                )
            continue
        if field.name in alone and count < total_rows:
            problems.append(
                f"field {field.name!r}: a unique foreign key needs a parent key per row, but "
                f"{field.references.table!r} has {count} keys for {total_rows} rows"
            )
        if children is not None and not count * children.min <= total_rows <= count * children.max:
            problems.append(
                f"field {field.name!r}: {count} parents with {children.min}..{children.max} rows each make "
                f"{count * children.min}..{count * children.max} rows, {total_rows} asked"
            )
    return problems


def empty_parent_notes(spec: TableSpec, parents: dict[str, ParentKeys]) -> list[str]:
    """What the job reports for nullable foreign keys whose parent had no rows: they are left empty (null).

    Self-references that build a hierarchy from their chunk get values all the same, so they are not reported.
    """
    notes = []
    hierarchical = hierarchical_references(spec)
    for field in spec.fields:
        parent = parents.get(field.name)
        if field.name in hierarchical:
            continue
        if field.references is not None and field.nullable and (parent is None or not parent.keys):
            notes.append(
                f"field {field.name!r}: {field.references.table!r} had no rows when the job started; left empty"
            )
    return notes


def hierarchical_references(spec: TableSpec) -> dict[str, str]:
    """The self-references that also point at earlier rows of their own chunk, each with the key field it
    points at (generate_chunk generates that key first).

    Not: a unique self-reference (its one-to-one construction needs the fixed list of keys read at job start,
    the same for every chunk), one with children_per_parent (its layout spreads the job's rows over those
    same keys), or one whose key reads it through a template (the key could not come first).
    """
    names = {field.name for field in spec.fields}
    candidates = {
        field.name: field.references.field
        for field in spec.fields
        if field.references is not None
        and field.references.table == spec.table_name
        and field.references.field in names
        and not (field.unique or field.primary_key or _children(field) is not None)
    }
    if not candidates:
        return {}
    generators = row_generators(spec.fields, has_pool=lambda name: False)
    out: dict[str, str] = {}
    for name, key in candidates.items():
        if name not in fields_read(key, generators, out):  # else the key needs this field first: a cycle
            out[name] = key
    return out


def _children(field: FieldSpec) -> ChildrenPerParent | None:
    generator = field.generator
    return generator.children_per_parent if isinstance(generator, ReferenceGenerator) else None


def reference_values(generator: ReferenceGenerator, ctx: ColumnContext) -> list[Any]:
    field, parent = ctx.field, ctx.parent
    if ctx.chunk_keys is not None:
        return tree_parents(parent.keys if parent is not None else [], ctx.chunk_keys, ctx.rng)
    if parent is None or not parent.keys:
        if parent is not None and field.nullable:
            return [None] * ctx.rows  # the parent (perhaps this very table) had no rows when the job started
        table = field.references.table if field.references is not None else "?"
        raise ValueError(f"field {field.name!r}: the parent table {table!r} has no rows; generate its rows first")
    keys = parent.keys
    if generator.children_per_parent is None:
        return [keys[pick] for pick in ctx.rng.integers(0, len(keys), ctx.rows).tolist()]
    order, cumulative = child_layout(ctx.seed, field.name, len(keys), parent.total_rows, generator.children_per_parent)
    spread = Permutation.keyed(parent.total_rows, ctx.seed, field.name, "children")
    slots = np.fromiter((spread.slot(row) for row in ctx.row_indexes), dtype=np.int64, count=ctx.rows)
    owners = np.searchsorted(cumulative, slots, side="right")
    return [keys[index] for index in order[owners].tolist()]


def tree_parents(existing: Sequence[Any], chunk_keys: Sequence[Any], rng: np.random.Generator) -> list[Any]:
    """Row j's parent: uniform among the `existing` keys and the non-null keys of rows 0..j-1 of
    `chunk_keys`; null when there is none (the first row of a chunk of an empty table)."""
    rows = len(chunk_keys)
    present = np.fromiter((key is not None for key in chunk_keys), dtype=bool, count=rows)
    before = np.concatenate(([0], np.cumsum(present)[:-1])).astype(np.int64)
    candidates = len(existing) + before
    picks = np.minimum(np.floor(rng.random(rows) * candidates).astype(np.int64), np.maximum(candidates - 1, 0))
    positions = np.flatnonzero(present).tolist()
    out: list[Any] = []
    for pick, count in zip(picks.tolist(), candidates.tolist(), strict=True):
        if count == 0:
            out.append(None)
        elif pick < len(existing):
            out.append(existing[pick])
        else:
            out.append(chunk_keys[positions[pick - len(existing)]])
    return out


def child_layout(
    seed: int, name: str, parents: int, total_rows: int, children: ChildrenPerParent
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(parent order, cumulative row counts): parent order[i] owns slots cumulative[i-1] .. cumulative[i]-1.

    Counts are drawn uniform in [min, max], then moved one at a time towards the exact total, always
    within [min, max]: the caller checked that parents·min ≤ total ≤ parents·max.
    """
    rng = numpy_rng(seed, name, "children per parent")
    if children.distribution == "uniform":
        counts = rng.integers(children.min, children.max, parents, endpoint=True)
    else:
        counts = _shaped_counts(rng.random(parents), children)
    missing = total_rows - int(counts.sum())
    while missing != 0:
        room = np.flatnonzero(counts < children.max) if missing > 0 else np.flatnonzero(counts > children.min)
        picked = rng.choice(room, size=min(abs(missing), room.size), replace=False)
        counts[picked] += 1 if missing > 0 else -1
        missing += -picked.size if missing > 0 else picked.size
    order = rng.permutation(parents)
    return order, np.cumsum(counts[order])


def _shaped_counts(uniform: np.ndarray[Any, Any], children: ChildrenPerParent) -> np.ndarray[Any, Any]:
    """Whole counts in [min, max] from the truncated normal or exponential over the range widened by half a
    count on each side, so both ends are as likely as the shape says (the defaults of range distributions)."""
    low, high = children.min - 0.5, children.max + 0.5
    if children.distribution == "normal":
        shaped = truncated_normal(uniform, low, high, (low + high) / 2, (high - low) / NORMAL_SPREAD)
    else:
        shaped = truncated_exponential(uniform, low, high, (high - low) / EXPONENTIAL_SPREAD)
    return np.clip(np.floor(shaped + 0.5), children.min, children.max).astype(np.int64)


def unique_references(field: FieldSpec, ctx: ColumnContext) -> list[Any]:
    """One parent key per row, none twice (a one-to-one relation)."""
    parent = ctx.parent
    if parent is None or not parent.keys:
        return reference_values(ReferenceGenerator(), ctx)  # nulls for an empty self-reference, else refused
    permutation = Permutation.keyed(len(parent.keys), ctx.seed, field.name)
    return [parent.keys[permutation.slot(row)] for row in ctx.row_indexes]
