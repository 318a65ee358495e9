"""The order a batch fills its tables in: every parent before the tables whose foreign keys point at it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from dmb_contracts.fields import TableSpec


class ReferenceCycle(ValueError):
    """The batch's tables reference each other in a circle, so none of them can go first."""


def batch_order(specs: Sequence[TableSpec]) -> list[int]:
    """Indexes of `specs` with parents first. Among tables that could go next, the caller's order wins, so the
    same request always gives the same order. Parents outside the batch and self-references impose nothing."""
    names = {spec.table_name for spec in specs}
    parents = [
        {
            field.references.table
            for field in spec.fields
            if field.references is not None
            and field.references.table in names
            and field.references.table != spec.table_name
        }
        for spec in specs
    ]
    placed: list[int] = []
    done: set[str] = set()
    while len(placed) < len(specs):
        ready = next(
            (i for i in range(len(specs)) if i not in placed and parents[i] <= done),
            None,
        )
        if ready is None:
            stuck = sorted(specs[i].table_name for i in range(len(specs)) if i not in placed)
            raise ReferenceCycle(
                "the batch's tables "
                + ", ".join(repr(name) for name in stuck)
                + " reference each other in a cycle, so no parent can be filled before its children; "
                "fill one of them on its own first"
            )
        placed.append(ready)
        done.add(specs[ready].table_name)
    return placed


def table_seed(batch_seed: int, position: int) -> int:
    """The seed of the table at `position` of the order: fixed by the batch's seed, different per table."""
    digest = hashlib.sha256(f"{batch_seed}:{position}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # 63 bits, what a job's seed holds
