"""A service's periodic tasks (its sweeps): run at start and on their interval, survive a failed run, end on
stop; and the settings that pace the generator's AI deadline."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import pytest
from dmb_common.runtime import PeriodicTask, RunningService, ServiceRuntime
from dmb_common.settings import BaseServiceSettings
from pydantic import ValidationError


class FakeRuntime:
    """What RunningService asks of its runtime: start and stop (the real one needs a database and a bus)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")

    async def stop(self) -> None:
        self.calls.append("stop")


async def test_a_periodic_task_runs_at_start_and_on_its_interval_and_survives_a_failed_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []

    async def sweep() -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise RuntimeError("database away")

    task = asyncio.create_task(PeriodicTask("test-sweep", 0.01, sweep).run_forever())
    for _ in range(200):
        if len(runs) >= 4:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert len(runs) >= 4  # the failed second run did not end the loop
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == ["test-sweep failed; the next run is in 0.01s"]


async def test_a_running_service_starts_its_periodic_tasks_after_its_runtime_and_cancels_them_before_it_stops() -> None:
    runtime = FakeRuntime()
    seen: list[list[str]] = []
    cancelled = asyncio.Event()

    async def sweep() -> None:
        seen.append(list(runtime.calls))
        try:
            await asyncio.sleep(3600)  # a run still under way when the service stops
        except asyncio.CancelledError:
            runtime.calls.append("sweep cancelled")
            cancelled.set()
            raise

    service = RunningService("test", cast(ServiceRuntime, runtime), periodic=[PeriodicTask("test-sweep", 3600, sweep)])
    await service.start()
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.01)
    await service.stop()

    assert seen == [["start"]]
    assert cancelled.is_set()
    assert runtime.calls == ["start", "sweep cancelled", "stop"]


async def test_a_running_service_without_periodic_tasks_starts_and_stops_its_runtime() -> None:
    runtime = FakeRuntime()
    service = RunningService("test", cast(ServiceRuntime, runtime))
    await service.start()
    await service.stop()
    assert runtime.calls == ["start", "stop"]


def test_the_ai_wait_is_two_minutes_unless_set_and_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    assert BaseServiceSettings(_env_file=None).ai_wait_seconds == 120

    monkeypatch.setenv("DMB_AI_WAIT_SECONDS", "7.5")
    assert BaseServiceSettings(_env_file=None).ai_wait_seconds == 7.5

    for refused in ("0", "-1"):
        monkeypatch.setenv("DMB_AI_WAIT_SECONDS", refused)
        with pytest.raises(ValidationError, match="ai_wait_seconds"):
            BaseServiceSettings(_env_file=None)
