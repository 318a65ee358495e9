"""Which model a job's AI fields use: the job's own endpoint, else the user's settings, else the platform's
default, with the key only ever sealed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from dmb_common.crypto import SecretBox
from dmb_common.db import create_service_engine, session_factory, upgrade_database
from dmb_contracts.commands import AIOptions
from dmb_contracts.envelope import utcnow
from dmb_gateway.api.ai_schemas import AISettingsUpdate
from dmb_gateway.api.ai_service import job_ai_options, save_settings
from dmb_gateway.app import MIGRATIONS
from dmb_gateway.models import User
from dmb_gateway.settings import GatewaySettings
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

PLATFORM = GatewaySettings(
    _env_file=None,  # type: ignore[call-arg]
    ai_base_url="http://models.internal:8080/v1",
    ai_model="platform-model",
    ai_api_key=SecretStr("sk-platform-key-0000"),
)
BOX = SecretBox(PLATFORM.secret_key)


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await asyncio.to_thread(upgrade_database, url, MIGRATIONS)
    engine = create_service_engine(url)
    try:
        async with session_factory(engine)() as opened:
            yield opened
    finally:
        await engine.dispose()


async def _user(session: AsyncSession) -> User:
    user = User(user_id=uuid.uuid4(), email=f"{uuid.uuid4().hex[:8]}@example.com", is_admin=False, created_at=utcnow())
    session.add(user)
    await session.flush()
    return user


async def test_a_job_without_an_endpoint_uses_the_users_settings(session: AsyncSession) -> None:
    user = await _user(session)
    update = AISettingsUpdate(base_url="http://127.0.0.1:9/v1", model="mine", api_key=SecretStr("sk-user-key-123456"))
    await save_settings(session, user, update, PLATFORM)

    options = await job_ai_options(session, user, PLATFORM, AIOptions(context="a Spanish hospital"))

    assert options is not None
    assert (options.context, options.base_url, options.model) == ("a Spanish hospital", "http://127.0.0.1:9/v1", "mine")
    assert options.api_key_encrypted is not None
    assert "sk-user-key" not in options.api_key_encrypted
    assert BOX.open(options.api_key_encrypted).get_secret_value() == "sk-user-key-123456"


async def test_a_user_without_settings_gets_the_platform_default_and_a_job_keeps_its_own(session: AsyncSession) -> None:
    user = await _user(session)
    own = AIOptions(base_url="https://api.example.com/v1", model="job-model", api_key_encrypted=BOX.seal("sk-job"))

    default = await job_ai_options(session, user, PLATFORM)
    kept = await job_ai_options(session, user, PLATFORM, own)
    nothing = await job_ai_options(session, user, GatewaySettings(_env_file=None))  # type: ignore[call-arg]

    assert default is not None
    assert (default.base_url, default.model) == ("http://models.internal:8080/v1", "platform-model")
    assert default.api_key_encrypted is not None
    assert BOX.open(default.api_key_encrypted).get_secret_value() == "sk-platform-key-0000"
    assert kept == own
    assert nothing is None
