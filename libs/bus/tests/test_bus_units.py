"""Unit tests of the bus's pure parts (topic matching, back-off) and the unit of work's guards."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from dmb_bus.base import RetryPolicy, topic_matches
from dmb_bus.inprocess import InProcessBus
from dmb_bus.outbox import OutboxRelay
from dmb_bus.tables import messaging_tables
from dmb_bus.uow import UnitOfWork
from dmb_common.db import create_service_engine, new_metadata, session_factory
from dmb_contracts.envelope import Event
from dmb_contracts.events import JobFailed

# --- topic_matches -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("schema.table.created", "schema.table.created", True),
        ("schema.table.created", "schema.table.dropped", False),
        ("schema.table.created", "schema.table", False),
        ("schema.table", "schema.table.created", False),
        ("schema.table.*", "schema.table.created", True),
        ("schema.*.created", "schema.table.created", True),
        ("*.*.*", "schema.table.created", True),
        ("schema.*", "schema.table.created", False),  # * is exactly one word
        ("schema.table.created.*", "schema.table.created", False),
        ("#", "schema.table.created", True),
        ("#", "", True),  # the empty key has no words; RabbitMQ routes it to # ...
        ("*", "", False),  # ... and not to *
        ("schema.#", "schema", True),  # # is zero or more words
        ("schema.#", "schema.table.created", True),
        ("schema.#", "generator.job.started", False),
        ("#.created", "schema.table.created", True),
        ("#.created", "created", True),
        ("#.created", "schema.table.created.not", False),
        ("schema.#.created", "schema.created", True),
        ("schema.#.created", "schema.a.b.c.created", True),
        ("schema.#.created", "schema.a.b.c.dropped", False),
        ("#.table.#", "schema.table.created", True),
        ("#.table.#", "table", True),
        ("#.table.#", "tables", False),
        ("*.#", "", False),
        ("*.#", "schema", True),
        ("#.*", "schema.table", True),
        ("#.#", "", True),
        ("a.*.#.c", "a.b.c", True),
        ("a.*.#.c", "a.c", False),
    ],
)
def test_topic_matches_follows_amqp_rules(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected


def test_topic_matching_stays_fast_with_many_hashes() -> None:
    # The former recursion tried every split of the key per `#`: this took longer than the universe.
    pattern = "#." * 30 + "never"
    key = ".".join(["word"] * 60)
    started = time.perf_counter()
    assert topic_matches(pattern, key) is False
    assert time.perf_counter() - started < 0.5


# --- RetryPolicy ---------------------------------------------------------------------------------------


def test_delay_starts_at_first_delay_and_grows_by_factor() -> None:
    policy = RetryPolicy(max_attempts=5, first_delay=0.5, factor=4.0, max_delay=60.0)
    assert [policy.delay(attempt) for attempt in range(1, 5)] == [0.5, 2.0, 8.0, 32.0]


def test_delay_is_capped_at_max_delay() -> None:
    policy = RetryPolicy(max_attempts=10, first_delay=1.0, factor=10.0, max_delay=30.0)
    assert policy.delay(2) == 10.0
    assert policy.delay(3) == 30.0
    assert policy.delay(9) == 30.0


def test_delay_of_a_huge_attempt_number_is_the_cap_not_an_overflow() -> None:
    assert RetryPolicy(max_delay=60.0).delay(10_000) == 60.0


def test_a_factor_of_one_keeps_the_delay_constant() -> None:
    policy = RetryPolicy(first_delay=0.2, factor=1.0)
    assert {policy.delay(attempt) for attempt in range(1, 20)} == {0.2}


def test_delay_counts_attempts_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        RetryPolicy().delay(0)


def test_delays_lists_each_distinct_backoff_once() -> None:
    assert RetryPolicy(max_attempts=6, first_delay=1.0, factor=2.0, max_delay=4.0).delays() == [1.0, 2.0, 4.0]
    assert RetryPolicy(max_attempts=1).delays() == []  # no retries at all


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"first_delay": -1.0}, "negative"),
        ({"max_delay": -1.0}, "negative"),
        ({"factor": 0.5}, "factor"),
    ],
    ids=["no-attempts", "negative-first-delay", "negative-max-delay", "shrinking"],
)
def test_a_nonsensical_policy_is_refused(arguments: dict[str, float], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        RetryPolicy(**arguments)  # type: ignore[arg-type]


# --- UnitOfWork guards ---------------------------------------------------------------------------------


class NotInTheRegistry(Event):
    type: str = "test.unregistered.happened"


@pytest.fixture
async def unit_of_work(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    metadata = new_metadata()
    messaging_tables(metadata)
    engine = create_service_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    yield UnitOfWork(sessions, OutboxRelay(sessions, InProcessBus(), metadata), metadata, consumer="c", producer="p")
    await engine.dispose()


async def test_emit_refuses_a_message_the_relay_could_not_parse(unit_of_work: UnitOfWork) -> None:
    async with unit_of_work as uow:
        with pytest.raises(ValueError, match=r"cannot carry this 'test\.unregistered\.happened'"):
            uow.emit(NotInTheRegistry())
        uow.emit(JobFailed(job_id=uuid.uuid4(), reason="fine"))


async def test_one_unit_of_work_cannot_be_used_by_two_handlers_at_once(unit_of_work: UnitOfWork) -> None:
    async with unit_of_work:
        with pytest.raises(RuntimeError, match="already in use"):
            await unit_of_work.__aenter__()
    async with unit_of_work:  # one after the other is fine
        pass


async def test_only_a_commit_that_wrote_outbox_rows_wakes_the_relay(unit_of_work: UnitOfWork) -> None:
    wake: asyncio.Event = unit_of_work._relay._wake
    async with unit_of_work as uow:
        await uow.commit()  # nothing emitted: the relay has nothing to read
    assert not wake.is_set()
    async with unit_of_work as uow:
        uow.emit(JobFailed(job_id=uuid.uuid4(), reason="fine"))
        await uow.commit()
    assert wake.is_set()
