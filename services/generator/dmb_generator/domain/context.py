"""Everything one column of one chunk is generated from."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from dmb_contracts.compositions import Composition
from dmb_contracts.fields import FieldSpec, JsonScalar
from faker import Faker

from dmb_generator.domain.faker_catalogue import faker_for
from dmb_generator.domain.seeding import numpy_rng, python_rng, stream_key

if TYPE_CHECKING:
    from dmb_generator.domain.bundles import BundleDraws


@dataclass(frozen=True)
class ParentKeys:
    """A foreign key's parent keys (ordered, no nulls) as read at job start, and the job's total row count."""

    table: str
    keys: Sequence[Any]
    total_rows: int


@dataclass(frozen=True)
class ColumnContext:
    field: FieldSpec
    seed: int
    chunk_index: int
    first_row: int
    rows: int
    locale: str
    now: dt.datetime
    pool: Sequence[JsonScalar] | None
    #: The columns of this chunk generated so far, by field name (what a template reads).
    columns: Mapping[str, Sequence[Any]] | None = None
    #: The chunk's shared bundle draws (what bundle fields read).
    bundles: BundleDraws | None = None
    #: A foreign key's parent keys (what a reference generator draws from).
    parent: ParentKeys | None = None
    #: A self-reference's key column of this chunk (references.hierarchical_references): row j may also point
    #: at the keys of rows 0..j-1, which the same statement inserts before it.
    chunk_keys: Sequence[Any] | None = None
    #: A unique AI field's composition (parts a model wrote, combined here): its distinct values past the pool.
    composition: Composition | None = None

    def _key(self, purpose: str) -> tuple[object, ...]:
        return (self.seed, self.chunk_index, self.field.name, purpose)

    @cached_property
    def rng(self) -> np.random.Generator:
        return numpy_rng(*self._key("values"))

    @cached_property
    def null_rng(self) -> np.random.Generator:
        # Its own stream, so changing the null share never changes the non-null values.
        return numpy_rng(*self._key("nulls"))

    @cached_property
    def regex_rng(self) -> random.Random:
        return python_rng(*self._key("regex"))

    @cached_property
    def fake(self) -> Faker:
        fake = faker_for(self.locale)
        fake.seed_instance(stream_key(*self._key("faker")) % 2**63)
        return fake

    @property
    def row_indexes(self) -> range:
        return range(self.first_row, self.first_row + self.rows)
