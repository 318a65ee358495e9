"""One namespace per owner in the datasets database: the only place where an owner's table name becomes the
name the database knows (its physical name), and back.

Every owner's tables, indexes and constraints get a prefix of their own, `t<first 16 hex digits of the owner
id>_`, on PostgreSQL, SQLite and MariaDB alike: two owners may both have `customers`, and no name of one can
clash with, reveal or reserve a name of another. Physical names stay inside the platform: every message that
may quote one (a database's refusal) passes through `hide_physical_names` before a user can see it.
See docs/decisions (namespace per owner).
"""

from __future__ import annotations

import re
import uuid

from dmb_contracts.fields import FieldSpec, IndexSpec, TableSpec
from dmb_contracts.identifiers import derived_name

_PREFIX_DIGITS = 16
_PHYSICAL_PREFIX = re.compile(rf"t[0-9a-f]{{{_PREFIX_DIGITS}}}_")


def owner_prefix(owner_id: uuid.UUID) -> str:
    return f"t{owner_id.hex[:_PREFIX_DIGITS]}"


def physical_name(owner_id: uuid.UUID | None, name: str) -> str:
    """The database's name for an owner's table or index `name`. No owner (platform-made tables, and tables
    made before namespaces were introduced) means the name as it is."""
    return name if owner_id is None else derived_name(owner_prefix(owner_id), name)


def physical_field(spec: FieldSpec, owner_id: uuid.UUID | None) -> FieldSpec:
    """The field, its foreign key pointing at the physical name of the (same owner's) parent table."""
    if owner_id is None or spec.references is None:
        return spec
    reference = spec.references.model_copy(update={"table": physical_name(owner_id, spec.references.table)})
    return spec.model_copy(update={"references": reference})


def physical_index(index: IndexSpec, table_name: str, owner_id: uuid.UUID | None) -> IndexSpec:
    """`table_name` is the owner's name of the index's table (an unnamed index is named after it)."""
    if owner_id is None:
        return index
    return index.model_copy(update={"name": physical_name(owner_id, index.name or index.default_name(table_name))})


def physical_spec(spec: TableSpec, owner_id: uuid.UUID | None) -> TableSpec:
    """The spec as the database holds it: physical table, index and referenced-table names (columns keep
    theirs). Not validated again: physical names are the platform's own, outside the users' naming rules."""
    if owner_id is None:
        return spec
    return spec.model_copy(
        update={
            "table_name": physical_name(owner_id, spec.table_name),
            "fields": [physical_field(field, owner_id) for field in spec.fields],
            "indexes": [physical_index(index, spec.table_name, owner_id) for index in spec.indexes],
        }
    )


def hide_physical_names(text: str) -> str:
    """`text` (e.g. a database's error message) with every owner prefix taken out, so it names tables,
    indexes and constraints as their owner does."""
    return _PHYSICAL_PREFIX.sub("", text)
