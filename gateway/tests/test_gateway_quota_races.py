"""Quota checks are atomic with the insert they allow: requests at the limit that arrive together are served
one after the other, so exactly the limit is accepted and the rest are refused (429, with the limit and the
usage). Before, every request counted the same usage and all of them passed."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dmb_common.db import create_service_engine, session_factory, upgrade_database
from dmb_gateway.accounts.quotas import QuotaService
from dmb_gateway.accounts.refusal import Refused
from dmb_gateway.app import MIGRATIONS
from dmb_gateway.models import JobView, User
from dmb_gateway.settings import GatewaySettings
from dmb_testing import platform
from dmb_testing.flow import create_table, reference_spec
from dmb_testing.servers import postgres_database

AT_ONCE = 8
LIMIT = 3


async def test_concurrent_job_starts_at_the_limit_let_exactly_the_limit_through(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, quota_concurrent_jobs=LIMIT) as client:
        table = await create_table(client, reference_spec("people"))
        # Jobs big enough to be still pending or running when the last request is answered.
        starts = [
            client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 500_000, "seed": n}) for n in range(AT_ONCE)
        ]
        answers: list[httpx.Response] = await asyncio.gather(*starts)
        for answer in answers:
            if answer.status_code == 202:
                await client.post(f"/api/v1/jobs/{answer.json()['id']}/cancel")

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [202] * LIMIT + [429] * (AT_ONCE - LIMIT)
    refusals = [answer for answer in answers if answer.status_code == 429]
    assert all(
        answer.json()["message"].startswith(f"Your quota allows {LIMIT} jobs at once; {LIMIT} are pending or running")
        for answer in refusals
    ), [answer.json()["message"] for answer in refusals]
    assert all(answer.headers["retry-after"] for answer in refusals)


async def test_concurrent_table_creates_at_the_limit_let_exactly_the_limit_through(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, quota_tables=LIMIT) as client:
        creates = [client.post("/api/v1/tables", json=reference_spec(f"people_{n}")) for n in range(AT_ONCE)]
        answers: list[httpx.Response] = await asyncio.gather(*creates)
        listed = (await client.get("/api/v1/tables")).json()

    assert sorted(answer.status_code for answer in answers) == [202] * LIMIT + [429] * (AT_ONCE - LIMIT)
    refused = {answer.json()["message"] for answer in answers if answer.status_code == 429}
    assert refused == {f"Your quota allows {LIMIT} tables and you have {LIMIT}; drop one to create another"}
    assert listed["total"] == LIMIT


@pytest.fixture(params=["sqlite", "postgresql"])
def gateway_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql":
        with postgres_database("dmbtest_hardening_quota") as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"


async def test_the_quota_lock_holds_on_each_database(gateway_database: str) -> None:
    """The service's check and insert, with a pause between them that used to let every request through."""
    await asyncio.to_thread(upgrade_database, gateway_database, MIGRATIONS)
    engine = create_service_engine(gateway_database)
    sessions = session_factory(engine)
    settings = GatewaySettings(_env_file=None, quota_concurrent_jobs=LIMIT)  # type: ignore[call-arg]
    user = User(user_id=uuid.uuid4(), email="ada@example.com", is_admin=False, created_at=dt.datetime.now(dt.UTC))
    async with sessions() as session:
        session.add(user)
        await session.commit()

    async def start() -> str:
        async with sessions() as session:
            try:
                await QuotaService(session, settings).check_jobs(user, [10])
            except Refused as refusal:
                return refusal.message
            await asyncio.sleep(0.05)  # the window in which a second check used to see the same usage
            session.add(
                JobView(
                    job_id=uuid.uuid4(),
                    owner_id=user.user_id,
                    table_id=uuid.uuid4(),
                    rows=10,
                    status="pending",
                    locale="en_US",
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            await session.commit()
            return "accepted"

    try:
        outcomes = await asyncio.gather(*(start() for _ in range(AT_ONCE)))
    finally:
        await engine.dispose()

    assert outcomes.count("accepted") == LIMIT, outcomes
    assert all(f"allows {LIMIT} jobs at once; {LIMIT} are pending" in o for o in outcomes if o != "accepted")
