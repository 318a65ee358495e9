"""Who is asking: the local user in single-user mode, else the owner of a bearer API token."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid

import sqlalchemy as sa
from dmb_contracts.envelope import utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.models import ApiToken, User

LOCAL_USER_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
LOCAL_USER_EMAIL = "local@dmb.invalid"
TOKEN_PREFIX = "dmb_"  # noqa: S105 - a public prefix, not a secret


def hash_token(token: str) -> str:
    # Tokens are long random strings, so a fast hash is enough; only the hash is stored.
    return hashlib.sha256(token.encode()).hexdigest()


async def ensure_local_user(session: AsyncSession) -> None:
    if await session.get(User, LOCAL_USER_ID) is None:
        session.add(User(user_id=LOCAL_USER_ID, email=LOCAL_USER_EMAIL, is_admin=True, created_at=utcnow()))
        await session.commit()


async def create_user_with_token(session: AsyncSession, email: str, *, is_admin: bool = False) -> tuple[User, str]:
    """A new user and their first API token (shown once; only its hash is kept)."""
    user = await session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(user_id=uuid.uuid4(), email=email, is_admin=is_admin, created_at=utcnow())
        session.add(user)
        await session.flush()  # the token row references the user: insert the user first
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=hash_token(token), user_id=user.user_id, name="default", created_at=utcnow()))
    await session.commit()
    return user, token


async def user_for_token(session: AsyncSession, token: str) -> User | None:
    row = await session.get(ApiToken, hash_token(token))
    return None if row is None else await session.get(User, row.user_id)


async def provision_user(database_url: str, email: str, *, is_admin: bool = False) -> str:
    """Create (or reuse) a user in the gateway's database and return a new API token for them."""
    from dmb_common.db import create_service_engine, session_factory, upgrade_database

    from dmb_gateway.app import MIGRATIONS

    await asyncio.to_thread(upgrade_database, database_url, MIGRATIONS)
    engine = create_service_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            _, token = await create_user_with_token(session, email, is_admin=is_admin)
    finally:
        await engine.dispose()
    return token
