"""The queries of the accounts: users, API tokens, browser sessions, invitations, the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.models import ApiToken, AuditEntry, Invite, User, WebSession


class AccountsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # users
    async def user(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def user_by_email(self, email: str) -> User | None:
        return await self.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))

    async def users(self, offset: int, limit: int, *, except_id: uuid.UUID | None = None) -> tuple[Sequence[User], int]:
        query = sa.select(User)
        if except_id is not None:
            query = query.where(User.user_id != except_id)
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
        rows = await self.session.scalars(query.order_by(User.created_at, User.email).offset(offset).limit(limit))
        return rows.all(), total

    async def add_user(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()  # tokens and sessions reference the user: insert it first
        return user

    # API tokens
    async def token(self, token_hash: str) -> ApiToken | None:
        return await self.session.get(ApiToken, token_hash)

    async def token_of(self, user_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken | None:
        return await self.session.scalar(
            sa.select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.token_id == token_id)
        )

    async def tokens_of(self, user_id: uuid.UUID) -> Sequence[ApiToken]:
        query = sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
        return (await self.session.scalars(query)).all()

    def add_token(self, token: ApiToken) -> None:
        self.session.add(token)

    # browser sessions
    async def web_session(self, session_hash: str) -> WebSession | None:
        return await self.session.get(WebSession, session_hash)

    def add_web_session(self, web_session: WebSession) -> None:
        self.session.add(web_session)

    async def end_web_session(self, session_hash: str) -> None:
        await self.session.execute(sa.delete(WebSession).where(WebSession.session_hash == session_hash))

    async def end_web_sessions_of(self, user_id: uuid.UUID, *, except_hash: str | None = None) -> None:
        query = sa.delete(WebSession).where(WebSession.user_id == user_id)
        if except_hash is not None:
            query = query.where(WebSession.session_hash != except_hash)
        await self.session.execute(query)

    async def end_expired_web_sessions(self, now: dt.datetime, idle_since: dt.datetime) -> None:
        await self.session.execute(
            sa.delete(WebSession).where(sa.or_(WebSession.expires_at <= now, WebSession.last_seen_at <= idle_since))
        )

    # invitations
    async def invite(self, invite_hash: str) -> Invite | None:
        return await self.session.get(Invite, invite_hash)

    def add_invite(self, invite: Invite) -> None:
        self.session.add(invite)

    async def invites(self, limit: int = 200) -> Sequence[Invite]:
        return (await self.session.scalars(sa.select(Invite).order_by(Invite.created_at.desc()).limit(limit))).all()

    # audit log
    def add_audit(self, entry: AuditEntry) -> None:
        self.session.add(entry)

    async def audit(self, offset: int, limit: int) -> tuple[Sequence[AuditEntry], int]:
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0
        query = sa.select(AuditEntry).order_by(AuditEntry.entry_id.desc()).offset(offset).limit(limit)
        return (await self.session.scalars(query)).all(), total
