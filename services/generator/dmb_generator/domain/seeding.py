"""Random streams derived from the job seed, stable across processes and machines.

Python's hash() is salted per process, so every stream is keyed through BLAKE2b instead. Each column gets
its own stream keyed by the field name: adding or reordering fields leaves the other columns' values alone.
"""

from __future__ import annotations

import hashlib
import random

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
