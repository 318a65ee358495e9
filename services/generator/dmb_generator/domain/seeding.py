"""Random streams derived from the job seed, stable across processes and machines.

Python's hash() is salted per process, so every stream is keyed through BLAKE2b instead. Each column gets
its own stream keyed by the field name: adding or reordering fields leaves the other columns' values alone.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import numpy as np

from dmb_generator.version import GENERATOR_VERSION


def stream_key(*parts: object) -> int:
    """A 128-bit integer fixed by the parts (their repr, so 1 and "1" differ)."""
    digest = hashlib.blake2b(repr((GENERATOR_VERSION, *parts)).encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big")


def numpy_rng(*parts: object) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(stream_key(*parts))))


def python_rng(*parts: object) -> random.Random:
    # For libraries that take a random.Random (rstr); seeded with the same stable key.
    return random.Random(stream_key(*parts))


_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def row_uniforms(first_row: int, rows: int, *parts: object) -> np.ndarray[Any, np.dtype[np.float64]]:
    """One uniform draw in [0, 1) per global row index, keyed by the parts: a counter-based stream.

    The draw of row r depends on r and the key only (SplitMix64 of key + r times its gamma), never on the chunk holding r
    or on how many rows came before it, so values built from these draws are the same however a job is
    split into chunks.
    """
    key = np.uint64(stream_key(*parts) & 0xFFFF_FFFF_FFFF_FFFF)
    with np.errstate(over="ignore"):
        state = np.arange(first_row + 1, first_row + rows + 1, dtype=np.uint64) * _GAMMA + key
        state = (state ^ (state >> np.uint64(30))) * _MIX1
        state = (state ^ (state >> np.uint64(27))) * _MIX2
        state = state ^ (state >> np.uint64(31))
    return (state >> np.uint64(11)).astype(np.float64) * 2.0**-53
