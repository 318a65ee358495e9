"""Which chunks an owner may send to the work queue next: a fixed number in flight per owner.

The work queue is first in, first out. Sending every chunk of every job at once made a user who started
ten 100,000-row jobs fill it with 200 chunks, and the next user's 100-row job waited behind all of them.
With at most `window` chunks per owner queued or running, the queue holds a few chunks of each owner
with work, so owners take turns (round-robin in practice) and no one waits for another's whole queue;
each finished chunk frees its owner's slot for that owner's next chunk.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class OwnerJob:
    """A running job of the owner: chunks in total, sent so far, and done."""

    job_id: uuid.UUID
    chunks: int
    released: int
    done: int


def next_chunks(jobs: Sequence[OwnerJob], window: int) -> list[tuple[uuid.UUID, int]]:
    """(job, chunk index) to send now, so that at most `window` of the owner's chunks are in flight;
    `jobs` oldest first, whose chunks go first (a job finishes sooner than if all shared the slots)."""
    in_flight = sum(max(0, job.released - job.done) for job in jobs)
    free = max(0, window - in_flight)
    chosen: list[tuple[uuid.UUID, int]] = []
    for job in jobs:
        for index in range(job.released, job.chunks):
            if len(chosen) == free:
                return chosen
            chosen.append((job.job_id, index))
    return chosen
