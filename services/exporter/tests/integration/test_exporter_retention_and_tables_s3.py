"""The exporter service against real servers: PostgreSQL for its records and the datasets, a real S3 endpoint
(SeaweedFS) for the files, reached through a TCP relay the test switches off to make the store unreachable.
Retention (with the test's clock saying when the period is over) and multi-table workbooks."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from dmb_bus.factory import create_bus
from dmb_common.datasets import create_datasets_engine, owned_table
from dmb_common.settings import BaseServiceSettings
from dmb_common.storage import S3Store
from dmb_contracts.commands import ExportFormat, ExportTable, RequestExport
from dmb_contracts.envelope import Message
from dmb_contracts.events import ExportCompleted, ExportExpired
from dmb_contracts.fields import TableSpec
from dmb_contracts.statuses import ExportStatus
from dmb_exporter.adapters import xlsx_slices
from dmb_exporter.bootstrap import ExporterService, build
from dmb_exporter.handlers import expire_exports
from dmb_exporter.models import ExportRecord
from dmb_testing.faults import TcpRelay
from dmb_testing.faults import s3_store_without_sdk_retries as store_at
from dmb_testing.seaweed import free_ports
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

SCHEMA = "datasets"
#: The tables' owner: the exporter reads them under the owner's physical names.
OWNER = uuid.uuid4()
SPEC = TableSpec.model_validate(
    {
        "table_name": "cities",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "name", "type": "string", "max_length": 50},
        ],
    }
)
READINGS = TableSpec.model_validate(
    {
        "table_name": "readings",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "celsius", "type": "decimal", "precision": 5, "scale": 1},
        ],
    }
)


@dataclass
class Exporter:
    service: ExporterService
    relay: TcpRelay
    events: asyncio.Queue[Message] = field(default_factory=asyncio.Queue)

    async def next_event(self) -> Message:
        return await asyncio.wait_for(self.events.get(), timeout=60)

    async def export(self, fmt: ExportFormat, *more: ExportTable) -> ExportCompleted:
        export_id = uuid.uuid4()
        await self.service.runtime.bus.publish(
            RequestExport(
                export_id=export_id,
                table_id=uuid.uuid4(),
                table_version=1,
                spec=SPEC,
                format=fmt,
                more_tables=list(more),
                owner_id=OWNER,
                correlation_id=export_id,
            )
        )
        event = await self.next_event()
        assert isinstance(event, ExportCompleted), event
        return event

    async def record(self, export_id: uuid.UUID) -> ExportRecord:
        async with self.service.runtime.sessions() as session:
            record = await session.get(ExportRecord, export_id)
        assert record is not None
        return record


@pytest.fixture
async def exporter(
    postgres_url: str, seaweed_endpoint: str, s3_store: S3Store, tmp_path: Path
) -> AsyncIterator[Exporter]:
    datasets = create_datasets_engine(postgres_url)
    with datasets.begin() as conn:
        conn.execute(sa.schema.CreateSchema(SCHEMA))
    table, readings = owned_table(SPEC, OWNER, SCHEMA), owned_table(READINGS, OWNER, SCHEMA)
    table.metadata.create_all(datasets)
    readings.metadata.create_all(datasets)
    with datasets.begin() as conn:
        conn.execute(table.insert(), [{"id": 1, "name": "Lyon"}, {"id": 2, "name": "Porto"}])
        conn.execute(readings.insert(), [{"id": n, "celsius": Decimal(n) / 10} for n in range(1, 12_001)])
    datasets.dispose()

    (port,) = free_ports(1)
    relay = TcpRelay(port, seaweed_endpoint)
    await relay.start()
    settings = BaseServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=postgres_url,
        datasets_url=postgres_url,
        datasets_schema=SCHEMA,
        export_upload_attempts=1,
        export_retention_days=7,
    )
    bus = create_bus("memory://")
    service = await build(settings, bus, store=store_at(relay.url, s3_store.bucket))
    exporter = Exporter(service, relay)

    async def observe(message: Message) -> None:
        await exporter.events.put(message)

    bus.subscribe("observer", ["exporter.export.completed", "exporter.export.expired"], observe)
    await bus.start()
    await service.start()
    try:
        yield exporter
    finally:
        await bus.close()
        await service.stop()
        await relay.stop()


def stored_keys(store: S3Store) -> set[str]:
    return {obj.object_name or "" for obj in store.client.list_objects(store.bucket, recursive=True)}


async def test_expired_exports_are_deleted_from_s3_and_an_unreachable_store_only_delays_it(
    exporter: Exporter, s3_store: S3Store
) -> None:
    workbook = await exporter.export(ExportFormat.XLSX)
    lines = await exporter.export(ExportFormat.JSONL)
    assert stored_keys(s3_store) == {workbook.object_key, lines.object_key}
    a_week_later = dt.datetime.now(dt.UTC) + timedelta(days=7, minutes=1)
    deps = exporter.service.deps

    await exporter.relay.stop()  # the store is unreachable: nothing expires, nothing is lost
    assert await expire_exports(deps, a_week_later) == 0
    assert (await exporter.record(workbook.export_id)).status == ExportStatus.COMPLETED
    assert stored_keys(s3_store) == {workbook.object_key, lines.object_key}

    await exporter.relay.start()
    assert await expire_exports(deps, a_week_later) == 2

    events = [await exporter.next_event() for _ in range(2)]
    assert {(e.export_id, e.reason) for e in events if isinstance(e, ExportExpired)} == {
        (workbook.export_id, "its file was deleted at the end of the retention period (7 days)"),
        (lines.export_id, "its file was deleted at the end of the retention period (7 days)"),
    }
    assert stored_keys(s3_store) == set()
    for export_id in (workbook.export_id, lines.export_id):
        record = await exporter.record(export_id)
        assert record.status == ExportStatus.EXPIRED
        assert record.expired_at == a_week_later


async def test_several_tables_stream_from_postgresql_into_one_stored_workbook(
    exporter: Exporter, s3_store: S3Store
) -> None:
    readings = ExportTable(table_id=uuid.uuid4(), table_version=4, spec=READINGS, seed=9, locale="fr_FR")

    done = await exporter.export(ExportFormat.XLSX, readings)

    assert done.rows == 12_002
    assert done.object_key.endswith("/cities-readings.xlsx")
    content = b"".join(s3_store.iter_object(done.object_key))
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == ["cities", "readings", "About"]
    assert [tuple(row) for row in workbook["cities"].iter_rows(values_only=True)] == [
        ("id", "name"),
        (1, "Lyon"),
        (2, "Porto"),
    ]
    values = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("readings").to_python()
    assert len(values) == 12_001
    assert values[1:3] == [[1.0, 0.1], [2.0, 0.2]]
    assert values[-1] == [12_000.0, 1200.0]
    about = [tuple(row) for row in workbook["About"].iter_rows(values_only=True)]
    pairs = [(row[0], row[1]) for row in about if row and row[0] in ("Table", "Seed", "Locale", "Rows exported")]
    assert pairs == [
        ("Table", "cities"),
        ("Seed", None),
        ("Locale", None),
        ("Rows exported", 2),
        ("Table", "readings"),
        ("Seed", "9"),
        ("Locale", "fr_FR"),
        ("Rows exported", 12_000),
    ]


async def test_a_large_table_is_written_by_worker_processes_and_reads_back_the_same(
    exporter: Exporter, s3_store: S3Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The threshold lowered so readings (12,000 rows) is sliced and cities (2 rows) is not: one workbook of both.
    monkeypatch.setattr(xlsx_slices, "PARALLEL_MIN_ROWS", 5_000)
    monkeypatch.setattr(xlsx_slices, "worker_count", lambda: 2)
    caplog.set_level(logging.INFO, logger=xlsx_slices.__name__)
    readings = ExportTable(table_id=uuid.uuid4(), table_version=4, spec=READINGS, seed=9, locale="fr_FR")

    done = await exporter.export(ExportFormat.XLSX, readings)

    assert done.rows == 12_002
    assert "12000 in 4 slices by 2 worker processes" in caplog.text
    content = b"".join(s3_store.iter_object(done.object_key))
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names == ["cities", "readings", "About"]
    assert book.get_sheet_by_name("cities").to_python() == [["id", "name"], [1.0, "Lyon"], [2.0, "Porto"]]
    values = book.get_sheet_by_name("readings").to_python()
    assert values[0] == ["id", "celsius"]
    assert values[1:] == [[float(n), n / 10] for n in range(1, 12_001)]
    workbook = load_workbook(io.BytesIO(content))
    assert workbook["readings"].freeze_panes == "A2"
    assert workbook["readings"].auto_filter.ref == "A1:B12001"
    assert workbook["readings"]["B2"].number_format == "#,##0.0"
