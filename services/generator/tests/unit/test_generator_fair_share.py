"""Chunks leave a few per owner at a time, oldest job first (domain.fair_share)."""

from __future__ import annotations

import uuid

from dmb_generator.domain.fair_share import OwnerJob, next_chunks

A, B = uuid.uuid4(), uuid.uuid4()


def test_a_new_owner_sends_only_its_window_of_chunks_oldest_job_first() -> None:
    jobs = [OwnerJob(A, chunks=3, released=0, done=0), OwnerJob(B, chunks=5, released=0, done=0)]
    assert next_chunks(jobs, window=4) == [(A, 0), (A, 1), (A, 2), (B, 0)]


def test_a_finished_chunk_frees_one_slot_for_the_owners_next_chunk() -> None:
    jobs = [OwnerJob(A, chunks=10, released=2, done=1)]
    assert next_chunks(jobs, window=2) == [(A, 2)]


def test_nothing_leaves_while_the_window_is_full_or_every_chunk_has_left() -> None:
    assert next_chunks([OwnerJob(A, chunks=10, released=2, done=0)], window=2) == []
    assert next_chunks([OwnerJob(A, chunks=2, released=2, done=1), OwnerJob(B, chunks=1, released=1, done=0)], 5) == []
