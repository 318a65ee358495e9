"""The local user of single-user mode, and provisioning users from the command line (`dmb users create`)."""

from __future__ import annotations

import asyncio
import uuid

from dmb_contracts.envelope import utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.accounts.repository import AccountsRepository
from dmb_gateway.accounts.service import AccountService
from dmb_gateway.models import User
from dmb_gateway.settings import GatewaySettings

LOCAL_USER_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
LOCAL_USER_EMAIL = "local@dmb.invalid"


async def ensure_local_user(session: AsyncSession) -> None:
    if await session.get(User, LOCAL_USER_ID) is None:
        session.add(User(user_id=LOCAL_USER_ID, email=LOCAL_USER_EMAIL, is_admin=True, created_at=utcnow()))
        await session.commit()


async def create_user_with_token(
    session: AsyncSession, email: str, *, is_admin: bool = False, password: str | None = None
) -> tuple[User, str]:
    """A user (created, or the existing one with that address) and a new API token (shown once; only its hash
    is kept). A password given here is set too, so the user can sign in to the web UI."""
    accounts = AccountService(AccountsRepository(session), GatewaySettings(_env_file=None))
    user = await accounts.repository.user_by_email(email)
    if user is None:
        user = await accounts.create_user(email, password, is_admin=is_admin)
    elif password is not None:
        await accounts.set_password(user, password)
    new = await accounts.create_token(user, "default", None)
    await session.commit()
    return user, new.secret


async def provision_user(database_url: str, email: str, *, is_admin: bool = False, password: str | None = None) -> str:
    """Create (or reuse) a user in the gateway's database and return a new API token for them."""
    from dmb_common.db import create_service_engine, session_factory, upgrade_database

    from dmb_gateway.app import MIGRATIONS

    await asyncio.to_thread(upgrade_database, database_url, MIGRATIONS)
    engine = create_service_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            _, token = await create_user_with_token(session, email, is_admin=is_admin, password=password)
    finally:
        await engine.dispose()
    return token
