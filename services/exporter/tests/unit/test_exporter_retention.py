"""Retention: exports older than the retention period lose their file and are announced expired. The real
exporter service in its embedded form (SQLite, in-process bus) with an in-memory object store and a clock
the tests set."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from dmb_bus.factory import create_bus
from dmb_common.datasets import create_datasets_engine, owned_table
from dmb_common.settings import BaseServiceSettings
from dmb_common.storage import ObjectNotFound, StoredObject
from dmb_contracts.commands import ExportFormat, RequestExport
from dmb_contracts.envelope import Message
from dmb_contracts.events import ExportCompleted, ExportExpired, ExportFailed
from dmb_contracts.fields import TableSpec
from dmb_contracts.statuses import ExportStatus
from dmb_exporter.bootstrap import ExporterService, build
from dmb_exporter.handlers import describe_period, expire_exports
from dmb_exporter.models import ExportRecord

#: The tables' owner: the exporter reads them under the owner's physical names.
OWNER = uuid.uuid4()
SPEC = TableSpec.model_validate(
    {
        "table_name": "notes",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "note_text", "type": "text"},
        ],
    }
)
DAYS = 30


class MemoryStore:
    """An object store in a dict; `down` makes every call fail as an unreachable store would."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise ConnectionRefusedError("the store is unreachable")

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        self._check()
        data = path.read_bytes()
        self.objects[key] = data
        return StoredObject(
            key=key, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), content_type=content_type
        )

    def iter_object(self, key: str) -> Iterator[bytes]:
        self._check()
        if key not in self.objects:
            raise ObjectNotFound(key)
        return iter([self.objects[key]])

    def delete(self, key: str) -> None:
        self._check()
        self.objects.pop(key, None)

    def presigned_url(self, key: str, expires: timedelta) -> str | None:
        return None


@dataclass
class Exporter:
    service: ExporterService
    store: MemoryStore
    events: asyncio.Queue[Message] = field(default_factory=asyncio.Queue)

    async def export(self) -> ExportCompleted:
        export_id = uuid.uuid4()
        cmd = RequestExport(
            export_id=export_id,
            table_id=uuid.uuid4(),
            table_version=1,
            spec=SPEC,
            format=ExportFormat.XLSX,
            owner_id=OWNER,
            correlation_id=export_id,
        )
        await self.service.runtime.bus.publish(cmd)
        event = await self.next_event()
        assert isinstance(event, ExportCompleted), event
        return event

    async def next_event(self) -> Message:
        return await asyncio.wait_for(self.events.get(), timeout=30)

    async def record(self, export_id: uuid.UUID) -> ExportRecord:
        async with self.service.runtime.sessions() as session:
            record = await session.get(ExportRecord, export_id)
        assert record is not None
        return record

    async def finished_at(self, export_id: uuid.UUID) -> dt.datetime:
        """When the export finished, in UTC (SQLite hands datetimes back without their zone)."""
        finished = (await self.record(export_id)).finished_at
        assert finished is not None
        return finished.replace(tzinfo=dt.UTC)


async def start_exporter(tmp_path: Path, retention_days: float, sweep_seconds: float = 3600) -> Exporter:
    datasets = create_datasets_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
    table = owned_table(SPEC, OWNER)
    table.metadata.create_all(datasets)
    with datasets.begin() as conn:
        conn.execute(table.insert(), [{"id": 1, "note_text": "hello"}, {"id": 2, "note_text": "world"}])
    datasets.dispose()
    settings = BaseServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        export_retention_days=retention_days,
        export_retention_sweep_seconds=sweep_seconds,
    )
    bus = create_bus("memory://")
    store = MemoryStore()
    service = await build(settings, bus, store=store)
    exporter = Exporter(service, store)

    async def observe(message: Message) -> None:
        await exporter.events.put(message)

    kinds = ["exporter.export.completed", "exporter.export.failed", "exporter.export.expired"]
    bus.subscribe("observer", kinds, observe)
    await bus.start()
    return exporter


@pytest.fixture
async def exporter(tmp_path: Path) -> AsyncIterator[Exporter]:
    """Retention of 30 days; the periodic sweep is started but only runs once at start (hourly after that),
    so the tests drive `expire_exports` with the clock they choose."""
    exporter = await start_exporter(tmp_path, DAYS)
    await exporter.service.start()
    try:
        yield exporter
    finally:
        await exporter.service.runtime.bus.close()
        await exporter.service.stop()


async def test_exports_past_the_retention_period_lose_their_file_and_are_announced_expired(
    exporter: Exporter,
) -> None:
    old = await exporter.export()
    new = await exporter.export()
    old_finished = await exporter.finished_at(old.export_id)
    new_finished = await exporter.finished_at(new.export_id)
    deps = exporter.service.deps

    # The clock of a moment exactly 30 days after the older export finished: nothing is past the period yet.
    assert await expire_exports(deps, old_finished + timedelta(days=DAYS)) == 0
    assert set(exporter.store.objects) == {old.object_key, new.object_key}

    later = old_finished + timedelta(days=DAYS, microseconds=1) + (new_finished - old_finished) / 2
    assert await expire_exports(deps, later) == 1

    expired = await exporter.next_event()
    assert isinstance(expired, ExportExpired)
    assert (expired.export_id, expired.table_id, expired.object_key) == (old.export_id, old.table_id, old.object_key)
    assert expired.reason == "its file was deleted at the end of the retention period (30 days)"
    assert expired.correlation_id == old.export_id
    assert set(exporter.store.objects) == {new.object_key}
    record = await exporter.record(old.export_id)
    assert (record.status, record.object_key) == (ExportStatus.EXPIRED, old.object_key)
    assert record.expired_at is not None
    assert record.expired_at.replace(tzinfo=dt.UTC) == later
    assert (await exporter.record(new.export_id)).status == ExportStatus.COMPLETED

    assert await expire_exports(deps, later) == 0  # an expired export never expires twice
    assert exporter.events.empty()


async def test_a_store_that_refuses_the_delete_keeps_the_export_completed_until_a_later_sweep(
    exporter: Exporter,
) -> None:
    done = await exporter.export()
    past_retention = await exporter.finished_at(done.export_id) + timedelta(days=DAYS + 1)

    exporter.store.down = True
    assert await expire_exports(exporter.service.deps, past_retention) == 0
    assert (await exporter.record(done.export_id)).status == ExportStatus.COMPLETED

    exporter.store.down = False
    assert await expire_exports(exporter.service.deps, past_retention) == 1
    assert isinstance(await exporter.next_event(), ExportExpired)
    assert exporter.store.objects == {}
    assert (await exporter.record(done.export_id)).status == ExportStatus.EXPIRED


async def test_the_sweep_expires_in_batches_until_none_is_left(exporter: Exporter) -> None:
    done = [await exporter.export() for _ in range(5)]
    far_future = dt.datetime.now(dt.UTC) + timedelta(days=10 * DAYS)

    assert await expire_exports(exporter.service.deps, far_future, batch_size=2) == 5

    events = [await exporter.next_event() for _ in done]
    assert all(isinstance(event, ExportExpired) for event in events)
    assert {event.export_id for event in events if isinstance(event, ExportExpired)} == {e.export_id for e in done}
    assert exporter.store.objects == {}


async def test_failed_exports_are_left_alone_by_the_sweep(exporter: Exporter) -> None:
    exporter.store.down = True
    exporter.service.deps.upload_attempts = 1
    export_id = uuid.uuid4()
    await exporter.service.runtime.bus.publish(
        RequestExport(export_id=export_id, table_id=uuid.uuid4(), table_version=1, spec=SPEC, correlation_id=export_id)
    )
    assert isinstance(await exporter.next_event(), ExportFailed)
    exporter.store.down = False

    far_future = dt.datetime.now(dt.UTC) + timedelta(days=10 * DAYS)
    assert await expire_exports(exporter.service.deps, far_future) == 0
    assert (await exporter.record(export_id)).status == ExportStatus.FAILED


async def test_without_a_retention_period_files_are_kept_forever(tmp_path: Path) -> None:
    exporter = await start_exporter(tmp_path, retention_days=0, sweep_seconds=0.01)
    await exporter.service.start()
    try:
        done = await exporter.export()
        await asyncio.sleep(0.1)  # several sweep intervals: no sweep runs at all
        assert await expire_exports(exporter.service.deps, dt.datetime(2100, 1, 1, tzinfo=dt.UTC)) == 0
        assert set(exporter.store.objects) == {done.object_key}
        assert (await exporter.record(done.export_id)).status == ExportStatus.COMPLETED
    finally:
        await exporter.service.runtime.bus.close()
        await exporter.service.stop()


async def test_the_running_service_sweeps_on_its_interval_with_its_clock(tmp_path: Path) -> None:
    exporter = await start_exporter(tmp_path, retention_days=DAYS, sweep_seconds=0.05)
    now = [dt.datetime.now(dt.UTC)]
    exporter.service.deps.clock = lambda: now[0]
    await exporter.service.start()
    try:
        done = await exporter.export()
        await asyncio.sleep(0.2)  # sweeps ran, but the export is young by the service's clock
        assert (await exporter.record(done.export_id)).status == ExportStatus.COMPLETED

        now[0] += timedelta(days=DAYS + 1)  # a month passes
        expired = await exporter.next_event()

        assert isinstance(expired, ExportExpired)
        assert expired.export_id == done.export_id
        assert exporter.store.objects == {}
    finally:
        await exporter.service.runtime.bus.close()
        await exporter.service.stop()


@pytest.mark.parametrize(
    ("period", "words"),
    [
        (timedelta(days=30), "30 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1.5), "1.5 days"),
        (timedelta(hours=6), "6 hours"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(seconds=90), "1.5 minutes"),
        (timedelta(seconds=0.5), "0.5 seconds"),
    ],
)
def test_the_retention_period_is_described_in_words(period: timedelta, words: str) -> None:
    assert describe_period(period) == words
