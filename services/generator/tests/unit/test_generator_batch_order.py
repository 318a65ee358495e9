"""The seeds a batch's tables get from the batch's seed and their position (the order is dmb_contracts.table_order's,
tested in libs/contracts)."""

from __future__ import annotations

from dmb_contracts.commands import MAX_SEED
from dmb_generator.batch_order import table_seed


def test_each_position_has_its_own_seed_fixed_by_the_batch_seed() -> None:
    seeds = [table_seed(42, position) for position in range(5)]
    assert seeds == [table_seed(42, position) for position in range(5)]
    assert len(set(seeds)) == 5
    assert table_seed(43, 0) != seeds[0]
    assert all(0 <= seed <= MAX_SEED for seed in seeds)
