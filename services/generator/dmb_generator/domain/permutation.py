"""A bijection of [0, size) keyed by the job, so row r always maps to the same distinct slot.

Unique values are built from slot(row): distinct rows get distinct slots in every chunk and every worker,
with no coordination and no retries. The map is affine (a·r + b mod size, a coprime with size) with a near
size/φ, which spreads consecutive rows across the whole range instead of counting up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dmb_generator.domain.seeding import stream_key

_GOLDEN = (math.sqrt(5) - 1) / 2


@dataclass(frozen=True)
class Permutation:
    size: int
    multiplier: int
    offset: int

    @classmethod
    def keyed(cls, size: int, *key: object) -> Permutation:
        if size < 1:
            raise ValueError("a permutation needs at least one slot")
        mixed = stream_key("permutation", size, *key)
        multiplier = max(1, int(size * _GOLDEN) + mixed % max(1, size // 1000 + 1)) % size or 1
        while math.gcd(multiplier, size) != 1:
            multiplier = multiplier % size + 1
        return cls(size, multiplier, (mixed >> 64) % size)

    def slot(self, row: int) -> int:
        if not 0 <= row < self.size:
            raise ValueError(f"row {row} is outside the {self.size} unique values available")
        return (self.multiplier * row + self.offset) % self.size

    def row(self, slot: int) -> int:
        """The row whose slot is `slot` (the inverse map)."""
        if not 0 <= slot < self.size:
            raise ValueError(f"slot {slot} is outside the {self.size} slots")
        return (slot - self.offset) * pow(self.multiplier, -1, self.size) % self.size
