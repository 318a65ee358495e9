"""The seeds of a batch's tables. The order itself (parents first) is dmb_contracts.table_order, shared with the
gateway's sheet order; a table's seed depends on its position in that order."""

from __future__ import annotations

import hashlib

from dmb_contracts.commands import MAX_SEED


def table_seed(batch_seed: int, position: int) -> int:
    """The seed of the table at `position` of the order: fixed by the batch's seed, different per table."""
    digest = hashlib.sha256(f"{batch_seed}:{position}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - MAX_SEED.bit_length())  # 53 bits: every seed is <= MAX_SEED
