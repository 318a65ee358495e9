"""What admins may do to users and invitations, each action written to the audit log. The caller commits."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from dmb_contracts.envelope import utcnow
from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.accounts import credentials
from dmb_gateway.accounts.refusal import Refused
from dmb_gateway.accounts.repository import AccountsRepository
from dmb_gateway.accounts.service import AccountService, check_email
from dmb_gateway.admin.schemas import UserUpdate
from dmb_gateway.auth import LOCAL_USER_ID
from dmb_gateway.models import AuditEntry, Invite, User

QUOTA_FIELDS = ("quota_rows_per_job", "quota_concurrent_jobs", "quota_tables", "quota_export_bytes")


class AdminService:
    def __init__(self, accounts: AccountService, actor: User) -> None:
        self.accounts = accounts
        self.repository: AccountsRepository = accounts.repository
        self.actor = actor

    def audit(self, action: str, target: str, **detail: Any) -> None:
        self.repository.add_audit(
            AuditEntry(
                at=utcnow(),
                actor_id=self.actor.user_id,
                actor_email=self.actor.email,
                action=action,
                target=target,
                detail=detail,
            )
        )

    async def user(self, user_id: uuid.UUID) -> User:
        user = await self.repository.user(user_id)
        if user is None or user.user_id == LOCAL_USER_ID:
            raise Refused(status.HTTP_404_NOT_FOUND, f"No user with id {user_id}")
        return user

    async def users(self, offset: int, limit: int) -> tuple[Sequence[User], int]:
        # The local user of single-user mode is nobody's to manage.
        return await self.repository.users(offset, limit, except_id=LOCAL_USER_ID)

    async def create_user(self, email: str, password: str | None, is_admin: bool) -> User:
        user = await self.accounts.create_user(email, password, is_admin=is_admin)
        self.audit("user.create", user.email, is_admin=is_admin, with_password=password is not None)
        return user

    async def update_user(self, user_id: uuid.UUID, update: UserUpdate) -> User:
        user = await self.user(user_id)
        sent = update.model_fields_set
        changes: dict[str, Any] = {}
        if user.user_id == self.actor.user_id and (update.is_admin is False or update.disabled):
            raise Refused(
                status.HTTP_409_CONFLICT,
                "You cannot take away your own admin role or disable yourself; ask another admin",
            )
        if "is_admin" in sent and update.is_admin is not None and update.is_admin != user.is_admin:
            user.is_admin = changes["is_admin"] = update.is_admin
        if "disabled" in sent and update.disabled is not None and update.disabled != user.is_disabled:
            user.disabled_at = utcnow() if update.disabled else None
            changes["disabled"] = update.disabled
            if update.disabled:
                await self.repository.end_web_sessions_of(user.user_id)
        for field in QUOTA_FIELDS:
            if field in sent and getattr(update, field) != getattr(user, field):
                setattr(user, field, getattr(update, field))
                changes[field] = getattr(update, field)
        if changes:
            self.audit("user.update", user.email, **changes)
        return user

    async def reset_password(self, user_id: uuid.UUID, password: str | None) -> str | None:
        """Set the user's password (a random one when none is given, returned to show once) and sign them out."""
        user = await self.user(user_id)
        made = None if password is not None else secrets.token_urlsafe(12)
        await self.accounts.set_password(user, password or made or "")
        await self.repository.end_web_sessions_of(user.user_id)
        self.audit("user.password_reset", user.email, generated=made is not None)
        return made

    async def invite(self, email: str, is_admin: bool, days: float) -> tuple[Invite, str]:
        email = check_email(email)
        if await self.repository.user_by_email(email) is not None:
            raise Refused(status.HTTP_409_CONFLICT, f"There is already an account for {email}", location="email")
        code = credentials.new_secret()
        now = utcnow()
        invite = Invite(
            invite_hash=credentials.digest(code),
            invite_id=uuid.uuid4(),
            email=email,
            is_admin=is_admin,
            created_by=self.actor.user_id,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        self.repository.add_invite(invite)
        self.audit("invite.create", email, is_admin=is_admin)
        return invite, code

    async def invites(self) -> Sequence[Invite]:
        return await self.repository.invites()

    @staticmethod
    async def count_users(session: AsyncSession) -> int:
        return (await AccountsRepository(session).users(0, 1, except_id=LOCAL_USER_ID))[1]

    @staticmethod
    async def audit_page(session: AsyncSession, offset: int, limit: int) -> tuple[Sequence[AuditEntry], int]:
        return await AccountsRepository(session).audit(offset, limit)
