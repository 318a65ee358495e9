"""Checking rows that point at other rows of the same table (a self-referencing foreign key)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping


def depths(parent_of: Mapping[Hashable, Hashable | None]) -> dict[Hashable, int]:
    """Each row's distance to its root (0 for a root), following `parent_of` (row key → parent key or None).
    Fails on a cycle, and with a KeyError on a parent that is no row of the mapping."""
    found: dict[Hashable, int] = {}
    for key in parent_of:
        depth, seen, current = 0, {key}, parent_of[key]
        while current is not None:
            assert current not in seen, f"cycle through {current!r}"
            seen.add(current)
            depth += 1
            current = parent_of[current]
        found[key] = depth
    return found
