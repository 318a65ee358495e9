"""The bus contract: one suite, run against the in-process and the RabbitMQ transport so they cannot drift.

Every test takes `bus_factory`, parametrised over both transports (RabbitMQ: the real server, a fresh vhost
per test, a unique namespace). The few behaviours only a broker has (a killed consumer process, publisher
confirms, persistent messages, quorum queues) are at the end and run on RabbitMQ only.

Nothing sleeps for a fixed time to "let things happen": handlers record what they get and wake the test
(`Recorder.wait_for`), dead letters are polled with a bound (`eventually`), and "nothing else arrives" is
checked after the bus is idle (`BusFactory.settle`).
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TypeVar

import aio_pika
import aiormq
import pytest
import sqlalchemy as sa
from dmb_bus.base import MessageBus, RetryPolicy, UnknownQueue
from dmb_bus.inprocess import InProcessBus
from dmb_bus.outbox import OutboxRelay
from dmb_bus.rabbitmq import CRASH_DELIVERY_LIMIT, RabbitMQBus
from dmb_bus.tables import messaging_tables
from dmb_bus.uow import UnitOfWork
from dmb_common.db import create_service_engine, new_metadata, session_factory
from dmb_contracts.commands import DropTable, GenerateChunk
from dmb_contracts.envelope import Message
from dmb_contracts.events import (
    AIValuesGenerated,
    ExportFailed,
    JobCancelled,
    JobFailed,
    JobProgressed,
    JobStarted,
    TableDropped,
)
from dmb_contracts.registry import parse_message
from dmb_testing.servers import rabbitmq_vhost
from pamqp.common import FieldTable
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

T = TypeVar("T")

#: Generous bound for anything to happen; the suite as a whole runs in a few seconds per transport.
TIMEOUT = 10.0
#: Retries in tens of milliseconds so the retry and dead-letter cases stay fast.
FAST = RetryPolicy(max_attempts=3, first_delay=0.05, factor=2.0, max_delay=0.2)


# --- harness -------------------------------------------------------------------------------------------


class BusFactory:
    """Builds buses of one transport for a test, and closes them after it.

    On RabbitMQ every bus of one test shares a namespace, so a second bus is "another process" consuming
    the same queues; in process every bus is its own world.
    """

    def __init__(self, kind: str, url: str | None) -> None:
        self.kind = kind
        self.url = url
        self.namespace = f"t{uuid.uuid4().hex[:10]}"
        self.buses: list[MessageBus] = []

    def __call__(self) -> MessageBus:
        bus: MessageBus
        if self.kind == "memory":
            bus = InProcessBus()
        else:
            assert self.url is not None
            bus = RabbitMQBus(self.url, self.namespace, connection_name=f"test-{self.namespace}")
        self.buses.append(bus)
        return bus

    async def publish_raw(self, bus: MessageBus, routing_key: str, body: bytes) -> None:
        """Put bytes on the bus the way a broken or foreign producer would, bypassing `publish()`."""
        if isinstance(bus, InProcessBus):
            await bus.publish_raw(routing_key, body)
            return
        assert isinstance(bus, RabbitMQBus)
        assert self.url is not None
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(bus.exchange_name)
            await exchange.publish(aio_pika.Message(body, content_type="application/json"), routing_key=routing_key)

    async def settle(self, bus: MessageBus) -> None:
        """Wait until `bus` has nothing left to do: no message queued, waiting for a retry or in a handler."""
        if isinstance(bus, InProcessBus):
            await bus.drain(within=TIMEOUT)
            return
        assert isinstance(bus, RabbitMQBus)
        assert self.url is not None
        # The broker has no "idle" signal: poll the ready counts of the bus's queues and its in-flight
        # handlers until they are all zero three times in a row (covers a delivery on its way to a handler).
        subscriptions = bus._subscriptions
        names = [bus.queue_name(s.queue) for s in subscriptions]
        names += [bus.retry_queue_name(s.queue, delay) for s in subscriptions for delay in s.retry.delays()]
        connection = await aio_pika.connect(self.url)
        async with connection, asyncio.timeout(TIMEOUT):
            channel = await connection.channel()
            quiet = 0
            while quiet < 3:
                counts = [(await channel.declare_queue(name, passive=True)).declaration_result for name in names]
                busy = bool(bus._in_flight) or any(c.message_count for c in counts)
                quiet = 0 if busy else quiet + 1
                await asyncio.sleep(0.03)

    async def aclose(self) -> None:
        for bus in reversed(self.buses):
            await bus.close(grace=1.0)


class Recorder:
    """A handler that records every call and wakes the test waiting for a condition.

    `failures` is how many times it raises for each message before it succeeds (0: never; -1: always).
    """

    def __init__(self, failures: int = 0, work: Callable[[Message], Awaitable[None]] | None = None) -> None:
        self.failures = failures
        self.work = work
        self.calls: list[tuple[float, Message]] = []
        self.handled: list[Message] = []
        self._changed = asyncio.Event()

    async def __call__(self, message: Message) -> None:
        self.calls.append((time.monotonic(), message))
        self._changed.set()
        tries = sum(1 for _, m in self.calls if m.message_id == message.message_id)
        if self.failures < 0 or tries <= self.failures:
            raise RuntimeError(f"handler failure #{tries}")
        if self.work is not None:
            await self.work(message)
        self.handled.append(message)
        self._changed.set()

    def attempts(self, message: Message) -> int:
        return sum(1 for _, m in self.calls if m.message_id == message.message_id)

    def types(self) -> list[str]:
        return [m.type for m in self.handled]

    async def wait_for(self, condition: Callable[[], bool], within: float = TIMEOUT) -> None:
        async with asyncio.timeout(within):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def wait_handled(self, count: int, within: float = TIMEOUT) -> None:
        await self.wait_for(lambda: len(self.handled) >= count, within)


async def eventually(probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], within: float = TIMEOUT) -> T:
    """Poll `probe` until `accept` holds (bounded): for state no handler signals, such as dead letters."""
    async with asyncio.timeout(within):
        while True:
            value = await probe()
            if accept(value):
                return value
            await asyncio.sleep(0.02)


def job_failed(job_id: uuid.UUID | None = None, reason: str = "boom") -> JobFailed:
    return JobFailed(job_id=job_id or uuid.uuid4(), reason=reason)


@pytest.fixture(scope="session")
def rabbitmq_run_url() -> Iterator[str]:
    """One vhost for the run (STYLE: one vhost per test run); each test isolates itself by namespace.

    dmb_testing's `rabbitmq_url` makes a vhost per test through rabbitmqctl, about a second each; over
    ~20 RabbitMQ cases that was most of the suite's time. Same server-missing rule (skip, fail under CI).
    """
    with rabbitmq_vhost() as url:
        yield url


@pytest.fixture(params=["memory", "rabbitmq"])
def transport(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(kind, url); only the RabbitMQ flavour asks for a vhost, so memory runs without any server."""
    if request.param == "rabbitmq":
        return "rabbitmq", request.getfixturevalue("rabbitmq_run_url")
    return "memory", None


@pytest.fixture
async def bus_factory(transport: tuple[str, str | None]) -> AsyncIterator[BusFactory]:
    factory = BusFactory(*transport)
    yield factory
    await factory.aclose()


@pytest.fixture
async def rabbit_factory(rabbitmq_run_url: str) -> AsyncIterator[BusFactory]:
    factory = BusFactory("rabbitmq", rabbitmq_run_url)
    yield factory
    await factory.aclose()


# --- routing -------------------------------------------------------------------------------------------


async def test_each_queue_gets_exactly_the_types_its_patterns_match(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    queues = {
        "table_events": ["schema.table.*"],
        "job_events": ["generator.job.*"],
        "generator_all": ["generator.#"],
        "failures": ["*.*.failed"],
        "failures_copy": ["generator.job.failed"],
    }
    recorders = {name: Recorder() for name in queues}
    for name, keys in queues.items():
        bus.subscribe(name, keys, recorders[name], prefetch=1)
    await bus.start()

    job, table = uuid.uuid4(), uuid.uuid4()
    messages: list[Message] = [
        AIValuesGenerated(request_id=uuid.uuid4(), job_id=job, values={}),  # matches no pattern
        TableDropped(table_id=table),
        DropTable(table_id=table),
        JobStarted(job_id=job, table_id=table, rows=10, chunks=1, seed=1, generator_version="1"),
        GenerateChunk(job_id=job, chunk_index=0, first_row=0, rows=10),
        job_failed(job),
        ExportFailed(export_id=uuid.uuid4(), table_id=table, reason="disk full"),
    ]
    for message in messages:
        await bus.publish(message)
    # Sentinels published last reach every queue; queues are FIFO, so once each queue has its sentinel,
    # anything routed to it from above has arrived too.
    sentinels: list[Message] = [TableDropped(table_id=uuid.uuid4()), job_failed()]
    for message in sentinels:
        await bus.publish(message)
    sentinel_ids = {m.message_id for m in sentinels}
    for recorder in recorders.values():
        await recorder.wait_for(lambda r=recorder: any(m.message_id in sentinel_ids for m in r.handled))  # type: ignore[misc]
    await bus_factory.settle(bus)

    got = {name: sorted(m.type for m in r.handled if m.message_id not in sentinel_ids) for name, r in recorders.items()}
    assert got == {
        "table_events": ["schema.table.drop", "schema.table.dropped"],
        "job_events": ["generator.job.failed", "generator.job.started"],
        "generator_all": ["generator.chunk.generate", "generator.job.failed", "generator.job.started"],
        "failures": ["exporter.export.failed", "generator.job.failed"],
        "failures_copy": ["generator.job.failed"],
    }
    assert all("ai.values.generated" not in r.types() for r in recorders.values())


async def test_a_message_arrives_as_published(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    recorder = Recorder()
    bus.subscribe("jobs", ["generator.job.started"], recorder)
    await bus.start()
    sent = JobStarted(
        job_id=uuid.uuid4(),
        table_id=uuid.uuid4(),
        rows=5,
        chunks=1,
        seed=7,
        generator_version="1.2",
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        producer="schema",
        owner_id=uuid.uuid4(),
    )
    await bus.publish(sent)
    await recorder.wait_handled(1)
    assert recorder.handled == [sent]
    assert isinstance(recorder.handled[0], JobStarted)


# --- ordering ------------------------------------------------------------------------------------------


async def test_messages_of_one_correlation_are_handled_in_publish_order_with_prefetch_1(
    bus_factory: BusFactory,
) -> None:
    async def jitter(_: Message) -> None:
        # Uneven handler times: with any concurrency in the queue, completions would reorder.
        await asyncio.sleep(random.uniform(0, 0.003))

    bus = bus_factory()
    recorder = Recorder(work=jitter)
    bus.subscribe("progress", ["generator.job.progressed"], recorder, prefetch=1)
    await bus.start()
    jobs = [uuid.uuid4(), uuid.uuid4()]
    count = 15
    for done in range(count):
        for job in jobs:  # two correlations interleaved
            await bus.publish(JobProgressed(job_id=job, rows_done=done, rows_total=count, correlation_id=job))
    await recorder.wait_handled(count * len(jobs))

    for job in jobs:
        seen = [m.rows_done for m in recorder.handled if isinstance(m, JobProgressed) and m.correlation_id == job]
        assert seen == list(range(count))


# --- retries and dead letters --------------------------------------------------------------------------


async def test_a_handler_that_crashes_once_gets_the_message_again_after_the_backoff(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    recorder = Recorder(failures=1)
    bus.subscribe("flaky", ["generator.job.failed"], recorder, retry=FAST)
    await bus.start()
    message = job_failed()
    await bus.publish(message)
    await recorder.wait_handled(1)
    await bus_factory.settle(bus)

    assert recorder.handled == [message]
    assert recorder.attempts(message) == 2
    first, second = (at for at, _ in recorder.calls)
    assert second - first >= FAST.first_delay * 0.8  # backed off, not hot-looped
    assert await bus.dead_letters("flaky") == []


async def test_a_poison_message_is_dead_lettered_after_max_attempts(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    recorder = Recorder(failures=-1)
    bus.subscribe("poisoned", ["generator.job.failed"], recorder, retry=FAST)
    await bus.start()
    message = job_failed(reason="poison")
    await bus.publish(message)

    letters = await eventually(lambda: bus.dead_letters("poisoned"), lambda found: len(found) >= 1)
    await bus_factory.settle(bus)

    assert recorder.attempts(message) == FAST.max_attempts
    assert recorder.handled == []
    [letter] = await bus.dead_letters("poisoned")
    assert letter.queue == "poisoned"
    assert letter.attempts == FAST.max_attempts
    assert letter.reason == f"RuntimeError: handler failure #{FAST.max_attempts}"
    assert parse_message(letter.body) == message
    # Browsing does not consume: a second look sees the same letter.
    assert await bus.dead_letters("poisoned") == letters


async def test_dead_letters_of_one_queue_are_not_another_queues(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    bus.subscribe("bad", ["generator.job.failed"], Recorder(failures=-1), retry=RetryPolicy(max_attempts=1))
    healthy = Recorder()
    bus.subscribe("good", ["generator.job.failed"], healthy)
    await bus.start()
    await bus.publish(job_failed())

    await eventually(lambda: bus.dead_letters("bad"), lambda found: len(found) == 1)
    await healthy.wait_handled(1)
    assert await bus.dead_letters("good") == []
    assert await bus.dead_letters("never-subscribed") == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"type": "no.such.type", "message_id": "x"}', b'{"type": "generator.job.failed"}'],
    ids=["garbage", "unknown-type", "missing-fields"],
)
async def test_an_unparseable_message_goes_straight_to_the_dead_letters(bus_factory: BusFactory, body: bytes) -> None:
    bus = bus_factory()
    recorder = Recorder()
    bus.subscribe("strict", ["generator.job.failed"], recorder, retry=FAST)
    await bus.start()
    await bus_factory.publish_raw(bus, "generator.job.failed", body)
    message = job_failed()
    await bus.publish(message)  # a good one behind it is not blocked

    [letter] = await eventually(lambda: bus.dead_letters("strict"), lambda found: len(found) >= 1)
    await recorder.wait_handled(1)
    await bus_factory.settle(bus)
    assert letter.body == body
    assert letter.attempts == 1
    assert letter.reason.startswith("unparseable message")
    assert recorder.handled == [message]
    assert len(await bus.dead_letters("strict")) == 1


async def test_a_poison_message_is_logged_listed_and_replayed_once_its_handler_is_fixed(
    bus_factory: BusFactory, caplog: pytest.LogCaptureFixture
) -> None:
    bus = bus_factory()
    fixed = asyncio.Event()

    async def fails_until_fixed(message: Message) -> None:
        if not fixed.is_set():
            raise RuntimeError("the handler has a bug")

    recorder = Recorder(work=fails_until_fixed)
    bus.subscribe("poisoned", ["generator.job.failed"], recorder, retry=FAST)
    await bus.start()
    message = job_failed(reason="body-only-text-4711")
    with caplog.at_level("ERROR", logger="dmb_bus.dead_letters"):
        await bus.publish(message)
        [letter] = await eventually(lambda: bus.dead_letters("poisoned"), lambda found: len(found) == 1)

    assert recorder.attempts(message) == FAST.max_attempts
    assert letter.letter_id == letter.message_id == str(message.message_id)
    assert letter.message_type == "generator.job.failed"
    [logged] = [r.getMessage() for r in caplog.records if r.name == "dmb_bus.dead_letters"]
    assert "poisoned" in logged
    assert "generator.job.failed" in logged
    assert str(message.message_id) in logged
    assert "RuntimeError: the handler has a bug" in logged
    assert "body-only-text-4711" not in logged  # the body is never logged

    fixed.set()
    assert await bus.replay_dead_letters("poisoned", [letter.letter_id]) == 1
    await recorder.wait_handled(1)
    await bus_factory.settle(bus)
    assert recorder.handled == [message]
    assert await bus.dead_letters("poisoned") == []


async def test_dead_letters_are_discarded_one_by_id_or_all_and_an_unknown_queue_is_refused(
    bus_factory: BusFactory,
) -> None:
    bus = bus_factory()
    bus.subscribe("bad", ["generator.job.failed"], Recorder(failures=-1), retry=RetryPolicy(max_attempts=1))
    await bus.start()
    first, second, third = job_failed(), job_failed(), job_failed()
    for message in (first, second, third):
        await bus.publish(message)
    await eventually(lambda: bus.dead_letters("bad"), lambda found: len(found) == 3)

    assert await bus.discard_dead_letters("bad", [str(second.message_id)]) == 1
    assert sorted(letter.letter_id for letter in await bus.dead_letters("bad")) == sorted(
        [str(first.message_id), str(third.message_id)]
    )
    assert await bus.discard_dead_letters("bad", ["no-such-letter"]) == 0
    assert await bus.discard_dead_letters("bad") == 2
    assert await bus.dead_letters("bad") == []
    with pytest.raises(UnknownQueue):
        await bus.replay_dead_letters("never-subscribed")


# --- shutdown ------------------------------------------------------------------------------------------


async def test_close_gives_up_on_a_hung_handler_and_another_consumer_gets_its_message(
    bus_factory: BusFactory,
) -> None:
    started = asyncio.Event()

    async def hang(_: Message) -> None:
        started.set()
        await asyncio.Event().wait()

    bus = bus_factory()
    bus.subscribe("work", ["generator.chunk.generate"], hang, prefetch=1)
    await bus.start()
    chunk = GenerateChunk(job_id=uuid.uuid4(), chunk_index=3, first_row=300, rows=100)
    await bus.publish(chunk)
    async with asyncio.timeout(TIMEOUT):
        await started.wait()
    async with asyncio.timeout(5):  # used to wait for the hung handler forever
        await bus.close(grace=0.2)

    if bus_factory.kind == "rabbitmq":  # the in-process bus keeps nothing across a close
        successor = bus_factory()
        recorder = Recorder()
        successor.subscribe("work", ["generator.chunk.generate"], recorder, prefetch=1)
        await successor.start()
        await recorder.wait_handled(1)
        assert recorder.handled == [chunk]


# --- inbox and outbox ----------------------------------------------------------------------------------


class ServiceDatabase:
    """A service's own database, as a service sets it up: its MetaData with the messaging tables."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.metadata = new_metadata()
        self.outbox, self.inbox = messaging_tables(self.metadata)
        self.chunks = sa.Table(
            "chunks_written",
            self.metadata,
            sa.Column("job_id", sa.String(36), primary_key=True),
            sa.Column("chunk_index", sa.Integer, primary_key=True),
            sa.Column("writes", sa.Integer, nullable=False),
        )
        self.engines: list[AsyncEngine] = []
        self.sessions = self.connect()

    def connect(self) -> async_sessionmaker[AsyncSession]:
        """Sessions on a new engine: what another process on the same database would have."""
        engine = create_service_engine(self.url)
        self.engines.append(engine)
        return session_factory(engine)

    async def create(self) -> None:
        async with self.engines[0].begin() as connection:
            await connection.run_sync(self.metadata.create_all)

    async def scalar(self, query: sa.Select[int]) -> int:
        async with self.sessions() as session:
            return (await session.execute(query)).scalar_one()

    async def dispose(self) -> None:
        for engine in self.engines:
            await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def service_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServiceDatabase]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('svc') / 'service.db'}"
    database = ServiceDatabase(url)
    await database.create()
    yield database
    await database.dispose()


async def test_a_duplicate_delivery_is_applied_once_through_the_inbox(
    bus_factory: BusFactory, service_db: ServiceDatabase
) -> None:
    relay = OutboxRelay(service_db.sessions, bus_factory(), service_db.metadata)  # unused: nothing is emitted

    async def write_chunk(message: Message) -> None:
        assert isinstance(message, GenerateChunk)
        # One unit of work per delivery (prefetch=2: both copies may be in flight at once).
        async with UnitOfWork(
            service_db.sessions, relay, service_db.metadata, consumer="generator", producer="generator"
        ) as uow:
            if await uow.claim(message):
                chunks = service_db.chunks
                await uow.session.execute(
                    sa.insert(chunks).values(job_id=str(message.job_id), chunk_index=message.chunk_index, writes=1)
                )
            await uow.commit()

    bus = bus_factory()
    recorder = Recorder(work=write_chunk)
    bus.subscribe("generator", ["generator.chunk.generate"], recorder, prefetch=2, retry=FAST)
    await bus.start()
    chunk = GenerateChunk(job_id=uuid.uuid4(), chunk_index=0, first_row=0, rows=10)
    await bus.publish(chunk)
    await bus.publish(chunk)  # at-least-once: the same message (same message_id) again
    await recorder.wait_handled(2)
    await bus_factory.settle(bus)

    assert [m.message_id for m in recorder.handled] == [chunk.message_id] * 2
    assert await service_db.scalar(sa.select(sa.func.sum(service_db.chunks.c.writes))) == 1
    assert await service_db.scalar(sa.select(sa.func.count()).select_from(service_db.inbox)) == 1
    assert await bus.dead_letters("generator") == []


async def test_processed_tells_a_claimed_message_from_a_new_one_per_consumer(service_db: ServiceDatabase) -> None:
    relay = OutboxRelay(service_db.sessions, InProcessBus(), service_db.metadata)  # unused: nothing is emitted
    chunk = GenerateChunk(job_id=uuid.uuid4(), chunk_index=0, first_row=0, rows=10)

    def uow(consumer: str) -> UnitOfWork:
        return UnitOfWork(service_db.sessions, relay, service_db.metadata, consumer=consumer, producer=consumer)

    async with uow("generator") as first:
        assert not await first.processed(chunk)
        assert await first.claim(chunk)
        await first.commit()
    async with uow("generator") as again:
        redelivered = await again.processed(chunk)
    async with uow("exporter") as other:
        elsewhere = await other.processed(chunk)

    assert (redelivered, elsewhere) == (True, False)


async def test_the_outbox_relays_after_a_crash_between_commit_and_publish(
    bus_factory: BusFactory, service_db: ServiceDatabase
) -> None:
    bus = bus_factory()
    recorder = Recorder()
    bus.subscribe("listener", ["generator.job.*"], recorder, prefetch=1)
    await bus.start()

    # The process that commits dies before its relay runs: the relay is built but never started.
    doomed = OutboxRelay(service_db.sessions, bus, service_db.metadata)
    uow = UnitOfWork(service_db.sessions, doomed, service_db.metadata, consumer="generator", producer="generator")
    async with uow:
        uow.emit(job_failed(reason="left without commit"))

    async def failing_handler() -> None:
        async with uow:
            uow.emit(job_failed(reason="rolled back by an error"))
            raise RuntimeError("handler bug")

    with pytest.raises(RuntimeError, match="handler bug"):
        await failing_handler()
    started = JobStarted(job_id=uuid.uuid4(), table_id=uuid.uuid4(), rows=10, chunks=1, seed=3, generator_version="1")
    async with uow:
        await uow.session.execute(
            sa.insert(service_db.chunks).values(job_id=str(started.job_id), chunk_index=0, writes=0)
        )
        uow.emit(started)
        await uow.commit()

    await bus_factory.settle(bus)
    assert recorder.handled == []  # committed, not published
    assert await service_db.scalar(sa.select(sa.func.count()).select_from(service_db.outbox)) == 1

    # The restarted process: a new engine, a new relay, the same database.
    relay = OutboxRelay(service_db.connect(), bus, service_db.metadata, interval=0.1)
    relay.start()
    try:
        await recorder.wait_handled(1)
    finally:
        await relay.stop()
    await bus_factory.settle(bus)

    assert recorder.handled == [started.model_copy(update={"producer": "generator"})]
    assert recorder.handled[0].message_id == started.message_id
    assert await service_db.scalar(sa.select(sa.func.count()).select_from(service_db.outbox)) == 0


async def test_a_running_relay_publishes_right_after_commit(
    bus_factory: BusFactory, service_db: ServiceDatabase
) -> None:
    bus = bus_factory()
    recorder = Recorder()
    bus.subscribe("listener", ["generator.job.failed"], recorder)
    await bus.start()
    # A long interval: only the commit's kick can make this fast.
    relay = OutboxRelay(service_db.sessions, bus, service_db.metadata, interval=60)
    relay.start()
    try:
        uow = UnitOfWork(service_db.sessions, relay, service_db.metadata, consumer="svc", producer="svc")
        cause = job_failed(reason="cause")
        async with uow:
            uow.emit(job_failed(reason="effect"), cause=cause)
            await uow.commit()
        await recorder.wait_handled(1, within=5)
    finally:
        await relay.stop()
    [effect] = recorder.handled
    assert effect.causation_id == cause.message_id
    assert effect.correlation_id == cause.message_id
    assert effect.producer == "svc"


# --- RabbitMQ only: what only a broker can do ----------------------------------------------------------

CONSUMER_SCRIPT = """
import asyncio, sys
from dmb_bus.rabbitmq import RabbitMQBus

async def main(url: str, namespace: str) -> None:
    bus = RabbitMQBus(url, namespace, connection_name="doomed-consumer")

    async def hang(message):
        print("handling", message.message_id, flush=True)
        await asyncio.Event().wait()

    bus.subscribe("work", ["generator.chunk.generate"], hang, prefetch=1)
    await bus.start()
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_a_killed_consumer_process_leaves_its_message_to_the_next_consumer(
    rabbit_factory: BusFactory,
) -> None:
    assert rabbit_factory.url is not None
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CONSUMER_SCRIPT,
        rabbit_factory.url,
        rabbit_factory.namespace,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(30):
            assert (await process.stdout.readline()).split() == [b"ready"]
        publisher = rabbit_factory()
        await publisher.start()
        chunk = GenerateChunk(job_id=uuid.uuid4(), chunk_index=1, first_row=100, rows=100)
        await publisher.publish(chunk)
        async with asyncio.timeout(TIMEOUT):
            assert (await process.stdout.readline()).split() == [b"handling", str(chunk.message_id).encode()]
    finally:
        process.kill()  # SIGKILL: no close(), no ack, the socket just dies
        await process.wait()

    successor = rabbit_factory()
    recorder = Recorder()
    successor.subscribe("work", ["generator.chunk.generate"], recorder, prefetch=1)
    await successor.start()
    await recorder.wait_handled(1)
    assert recorder.handled == [chunk]


async def test_a_message_that_keeps_killing_its_consumer_ends_in_the_dead_letters(
    rabbit_factory: BusFactory,
) -> None:
    assert rabbit_factory.url is not None
    service = rabbit_factory()
    service.subscribe("work", ["generator.chunk.generate"], Recorder())
    await service.start()
    await service.close()  # the topology stays; from now on every consumer of the queue "crashes"
    bus = rabbit_factory()
    await bus.start()
    assert isinstance(bus, RabbitMQBus)
    chunk = GenerateChunk(job_id=uuid.uuid4(), chunk_index=0, first_row=0, rows=1)
    await bus.publish(chunk)

    connection = await aio_pika.connect(rabbit_factory.url)
    async with connection:
        deliveries = 0
        while True:
            channel = await connection.channel()
            queue = await channel.declare_queue(bus.queue_name("work"), passive=True)
            incoming = await queue.get(no_ack=False, fail=False)
            if incoming is None:
                break
            deliveries += 1
            await channel.close()  # dies holding the message, unacked
    assert deliveries == CRASH_DELIVERY_LIMIT + 1

    [letter] = await eventually(lambda: bus.dead_letters("work"), lambda found: len(found) >= 1)
    assert parse_message(letter.body) == chunk
    assert "delivery limit" in letter.reason


async def test_publishing_is_persistent_and_waits_for_the_broker(rabbit_factory: BusFactory) -> None:
    assert rabbit_factory.url is not None
    bus = rabbit_factory()
    await bus.start()
    assert isinstance(bus, RabbitMQBus)
    connection = await aio_pika.connect(rabbit_factory.url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(bus.exchange_name)
        tap = await channel.declare_queue(exclusive=True)
        await tap.bind(exchange, "generator.job.failed")
        message = job_failed(job_id=uuid.uuid4())
        await bus.publish(message.model_copy(update={"correlation_id": message.job_id}))
        # Confirmed: once publish() returned, the broker has the message; no waiting needed.
        incoming = await tap.get(no_ack=True, fail=False)
        assert incoming is not None
        assert incoming.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert incoming.message_id == str(message.message_id)
        assert incoming.correlation_id == str(message.job_id)
        assert incoming.routing_key == "generator.job.failed"
        assert incoming.content_type == "application/json"

        # A message the broker refuses (a full queue that rejects publishes) fails the publish,
        # so an outbox row stays for the next try instead of being deleted as sent.
        refusing = await channel.declare_queue(
            exclusive=True, arguments={"x-max-length": 0, "x-overflow": "reject-publish"}
        )
        await refusing.bind(exchange, "generator.job.cancelled")
        with pytest.raises(aio_pika.exceptions.DeliveryError):
            await bus.publish(JobCancelled(job_id=uuid.uuid4()))


async def test_service_queues_are_durable_quorum_queues(rabbit_factory: BusFactory) -> None:
    assert rabbit_factory.url is not None
    bus = rabbit_factory()
    bus.subscribe("svc", ["generator.#"], Recorder(), retry=FAST)
    await bus.start()
    assert isinstance(bus, RabbitMQBus)
    connection = await aio_pika.connect(rabbit_factory.url)
    async with connection:
        dead = f"{bus.queue_name('svc')}.dead"
        declared: dict[str, FieldTable] = {
            bus.queue_name("svc"): {
                "x-delivery-limit": CRASH_DELIVERY_LIMIT,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": dead,
            },
            dead: {},
        }
        for name, arguments in declared.items():
            # The broker accepts a re-declaration only if it is equivalent: durable, quorum, same arguments.
            channel = await connection.channel()
            await channel.declare_queue(name, durable=True, arguments=arguments | {"x-queue-type": "quorum"})
            with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed, match="x-queue-type"):
                await channel.declare_queue(name, durable=True, arguments=arguments | {"x-queue-type": "classic"})
        channel = await connection.channel()
        for delay in FAST.delays():
            await channel.declare_queue(bus.retry_queue_name("svc", delay), passive=True)


async def test_a_service_restarts_with_a_changed_retry_policy(rabbit_factory: BusFactory) -> None:
    before = rabbit_factory()
    before.subscribe("svc", ["generator.job.failed"], Recorder(), retry=FAST)
    await before.start()
    await before.close()

    after = rabbit_factory()  # used to fail: PRECONDITION_FAILED on the retry queues' TTLs
    recorder = Recorder(failures=2)
    after.subscribe("svc", ["generator.job.failed"], recorder, retry=RetryPolicy(max_attempts=4, first_delay=0.03))
    await after.start()
    message = job_failed()
    await after.publish(message)
    await recorder.wait_handled(1)
    assert recorder.attempts(message) == 3
