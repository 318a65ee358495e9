"""The exporter when the object store is down: retried with back-off, failed with the reason, nothing left
behind, and a later export succeeds once the store is back. Real PostgreSQL, a real S3 endpoint (SeaweedFS)
reached through a TCP relay that the test switches on and off."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from dmb_bus.base import MessageBus
from dmb_bus.factory import create_bus
from dmb_common.datasets import create_datasets_engine, owned_table
from dmb_common.settings import BaseServiceSettings
from dmb_common.storage import S3Store, StoredObject
from dmb_contracts.commands import ExportFormat, RequestExport
from dmb_contracts.envelope import Message
from dmb_contracts.events import ExportCompleted, ExportFailed
from dmb_contracts.fields import TableSpec
from dmb_contracts.statuses import ExportStatus
from dmb_exporter.adapters.upload import UploadFailed, upload_with_retry
from dmb_exporter.bootstrap import build
from dmb_exporter.models import ExportRecord
from dmb_testing.faults import TcpRelay
from dmb_testing.faults import s3_store_without_sdk_retries as store_at
from dmb_testing.seaweed import ACCESS_KEY, SECRET_KEY, free_ports, object_keys
from sqlalchemy.ext.asyncio import create_async_engine

SCHEMA = "datasets"
#: The tables' owner: the exporter reads them under the owner's physical names.
OWNER = uuid.uuid4()
SPEC = TableSpec.model_validate(
    {
        "table_name": "people",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "name", "type": "string", "max_length": 50},
        ],
    }
)
ROWS = [{"id": i, "name": f"person {i}"} for i in range(1, 21)]
EXPECTED_CSV = "id,name\r\n" + "".join(f"{r['id']},{r['name']}\r\n" for r in ROWS)


@pytest.fixture
async def relay(seaweed_endpoint: str) -> AsyncIterator[TcpRelay]:
    (port,) = free_ports(1)
    relay = TcpRelay(port, seaweed_endpoint)
    yield relay
    await relay.stop()


@dataclass
class Exporter:
    postgres_url: str
    bus: MessageBus
    events: asyncio.Queue[Message] = field(default_factory=asyncio.Queue)

    async def run(self, cmd: RequestExport) -> ExportCompleted | ExportFailed:
        """Send the command as the gateway would and wait for the export's outcome event."""
        await self.bus.publish(cmd)
        while True:
            event = await asyncio.wait_for(self.events.get(), timeout=60)
            if isinstance(event, ExportCompleted | ExportFailed) and event.export_id == cmd.export_id:
                return event

    async def record(self, export_id: uuid.UUID) -> ExportRecord:
        engine = create_async_engine(self.postgres_url)
        try:
            async with engine.connect() as conn:
                row = (await conn.execute(sa.select(ExportRecord).where(ExportRecord.export_id == export_id))).one()
        finally:
            await engine.dispose()
        return ExportRecord(**row._asdict())


@pytest.fixture
async def exporter(postgres_url: str, relay: TcpRelay, s3_bucket: S3Store, tmp_path: Path) -> AsyncIterator[Exporter]:
    """The real exporter service (its bootstrap, database, handlers) on an in-process bus, with the people
    table in the datasets schema and its object store behind the relay (off until a test turns it on)."""
    datasets = create_datasets_engine(postgres_url)
    with datasets.begin() as conn:
        conn.execute(sa.schema.CreateSchema(SCHEMA))
    table = owned_table(SPEC, OWNER, SCHEMA)
    table.metadata.create_all(datasets)
    with datasets.begin() as conn:
        conn.execute(table.insert(), ROWS)
    datasets.dispose()

    settings = BaseServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=postgres_url,
        datasets_url=postgres_url,
        datasets_schema=SCHEMA,
        export_upload_attempts=3,
        export_upload_first_delay=0.01,
    )
    bus = create_bus("memory://")
    exporter = Exporter(postgres_url, bus)

    async def observe(message: Message) -> None:
        await exporter.events.put(message)

    bus.subscribe("observer", ["exporter.export.completed", "exporter.export.failed"], observe)
    service = await build(settings, bus, store=store_at(relay.url, s3_bucket.bucket))
    await bus.start()
    await service.start()
    try:
        yield exporter
    finally:
        await bus.close()
        await service.stop()


def request(fmt: ExportFormat = ExportFormat.CSV) -> RequestExport:
    export_id = uuid.uuid4()
    return RequestExport(
        export_id=export_id,
        table_id=uuid.uuid4(),
        table_version=1,
        spec=SPEC,
        format=fmt,
        owner_id=OWNER,
        correlation_id=export_id,
    )


async def test_an_unreachable_store_fails_the_export_with_a_plain_reason_internals_in_the_log_and_a_later_export_succeeds(
    exporter: Exporter, relay: TcpRelay, s3_bucket: S3Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="dmb_exporter")
    first = request()

    failed = await exporter.run(first)

    assert isinstance(failed, ExportFailed)
    assert failed.reason.startswith("the file store is unavailable; 3 attempts over "), failed.reason
    # The endpoint, the bucket and the object key are for the operator's log, never the user's reason.
    assert "127.0.0.1" not in failed.reason
    assert s3_bucket.bucket not in failed.reason
    assert "exports/" not in failed.reason
    retries = [r.getMessage() for r in caplog.records if "upload of" in r.getMessage()]
    assert [m.split("(attempt ")[1].split(")")[0] for m in retries] == ["1/3", "2/3", "3/3"]
    assert all("Connection refused" in message for message in retries)
    record = await exporter.record(first.export_id)
    assert (record.status, record.error, record.object_key, record.sha256) == (
        ExportStatus.FAILED,
        failed.reason,
        None,
        None,
    )
    assert object_keys(s3_bucket) == []

    await relay.start()  # the store is back
    second = request()
    completed = await exporter.run(second)

    assert isinstance(completed, ExportCompleted), completed
    content = b"".join(s3_bucket.iter_object(completed.object_key))
    assert content.decode() == EXPECTED_CSV
    assert completed.sha256 == hashlib.sha256(content).hexdigest()
    assert completed.size_bytes == len(content)
    assert object_keys(s3_bucket) == [completed.object_key]
    record = await exporter.record(second.export_id)
    assert (record.status, record.object_key, record.rows) == (ExportStatus.COMPLETED, completed.object_key, 20)
    assert (await exporter.record(first.export_id)).status == ExportStatus.FAILED  # history keeps the failure


async def test_a_store_that_comes_back_during_the_back_off_gets_the_upload(
    relay: TcpRelay, s3_bucket: S3Store, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(EXPECTED_CSV)
    loop = asyncio.get_running_loop()
    waits: list[float] = []

    def back_off(seconds: float) -> None:  # the store comes back while the exporter waits
        waits.append(seconds)
        relay.start_from_thread(loop)

    store = store_at(relay.url, s3_bucket.bucket)
    stored = await asyncio.to_thread(
        upload_with_retry, store, "exports/o/e/people.csv", path, "text/csv", attempts=3, sleep=back_off
    )

    assert waits == [0.5]  # one failed attempt, one wait, then the upload went through
    assert stored.size_bytes == len(EXPECTED_CSV)
    assert b"".join(s3_bucket.iter_object("exports/o/e/people.csv")).decode() == EXPECTED_CSV


class AnswerLost(S3Store):
    """The object is written, then the answer is lost (the connection drops before the client hears back):
    the SDK reports a failure although the store now holds the object."""

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        super().put_file(key, path, content_type)
        raise ConnectionResetError("connection reset by peer")


def test_an_object_written_by_a_failed_upload_is_not_left_behind(
    seaweed_endpoint: str, s3_bucket: S3Store, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(EXPECTED_CSV)
    store = AnswerLost(seaweed_endpoint, ACCESS_KEY, SECRET_KEY, s3_bucket.bucket)

    with pytest.raises(UploadFailed, match="the file store is unavailable; 2 attempts over"):
        upload_with_retry(store, "exports/o/e/people.csv", path, "text/csv", attempts=2, sleep=lambda _: None)

    assert object_keys(s3_bucket) == []
