"""The account rules: signing up and in, browser sessions, passwords and API tokens. The caller commits."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from dmb_common.db import as_utc
from dmb_contracts.envelope import utcnow
from fastapi import status

from dmb_gateway.accounts import credentials
from dmb_gateway.accounts.refusal import Refused
from dmb_gateway.accounts.repository import AccountsRepository
from dmb_gateway.accounts.throttle import LoginThrottle
from dmb_gateway.models import ApiToken, Invite, User, WebSession
from dmb_gateway.settings import GatewaySettings, SignupMode

#: Writes of last-seen / last-used times are skipped when the stored one is this recent.
TOUCH_EVERY = dt.timedelta(minutes=1)
WRONG_CREDENTIALS = "Wrong e-mail address or password"


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    #: The token itself: shown once, never stored.
    secret: str


def check_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{email!r} is not an e-mail address", location="email")
    return email


def check_new_password(password: str, email: str, location: str = "password") -> None:
    if not credentials.MIN_PASSWORD <= len(password) <= credentials.MAX_PASSWORD:
        raise Refused(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"A password needs {credentials.MIN_PASSWORD} to {credentials.MAX_PASSWORD} characters",
            location=location,
        )
    if password.strip().lower() == email.strip().lower():
        raise Refused(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "A password cannot be the e-mail address", location=location
        )


def usable(token: ApiToken, now: dt.datetime) -> bool:
    return token.revoked_at is None and (token.expires_at is None or as_utc(token.expires_at) > now)


class AccountService:
    def __init__(self, repository: AccountsRepository, settings: GatewaySettings) -> None:
        self.repository = repository
        self.settings = settings

    # users
    async def create_user(
        self, email: str, password: str | None, *, is_admin: bool = False, now: dt.datetime | None = None
    ) -> User:
        email = check_email(email)
        if await self.repository.user_by_email(email) is not None:
            raise Refused(status.HTTP_409_CONFLICT, f"There is already an account for {email}", location="email")
        if password is not None:
            check_new_password(password, email)
        user = User(
            user_id=uuid.uuid4(),
            email=email,
            is_admin=is_admin,
            created_at=now or utcnow(),
            password_hash=None if password is None else credentials.hash_password(password),
        )
        return await self.repository.add_user(user)

    async def sign_up(
        self, email: str, password: str, invite_code: str | None, address: str, throttle: LoginThrottle
    ) -> User:
        mode = self.settings.signup
        if mode is SignupMode.OFF:
            raise Refused(status.HTTP_403_FORBIDDEN, "Sign-up is closed on this platform; ask an admin for an account")
        await throttle.sign_up_attempt(address)
        invite = None
        if mode is SignupMode.INVITE:
            invite = await self._valid_invite(invite_code, email)
        user = await self.create_user(email, password, is_admin=invite.is_admin if invite else False)
        if invite is not None:
            invite.used_at = utcnow()
        return user

    async def _valid_invite(self, code: str | None, email: str) -> Invite:
        if not code:
            raise Refused(status.HTTP_403_FORBIDDEN, "Sign-up needs an invitation from an admin", location="invite")
        invite = await self.repository.invite(credentials.digest(code))
        if invite is None or invite.used_at is not None or as_utc(invite.expires_at) <= utcnow():
            raise Refused(status.HTTP_403_FORBIDDEN, "This invitation is unknown, used or expired", location="invite")
        if invite.email.lower() != email.strip().lower():
            raise Refused(status.HTTP_403_FORBIDDEN, "This invitation is for another e-mail address", location="email")
        return invite

    async def sign_in(self, email: str, password: str, address: str, throttle: LoginThrottle) -> User:
        """The user with this e-mail address and password; failures count towards the sign-in limits."""
        await throttle.check(email, address)
        try:
            return await self.authenticate(email, password)
        except Refused as refusal:
            if refusal.status == status.HTTP_401_UNAUTHORIZED:
                await throttle.failed(email, address)
            raise

    async def authenticate(self, email: str, password: str) -> User:
        user = await self.repository.user_by_email(email.strip())
        if not credentials.password_matches(password, user.password_hash if user else None) or user is None:
            raise Refused(status.HTTP_401_UNAUTHORIZED, WRONG_CREDENTIALS)
        if user.is_disabled:
            raise Refused(status.HTTP_403_FORBIDDEN, "This account is disabled; ask an admin")
        return user

    async def change_password(self, user: User, current: str, new: str, *, keep_session: str | None) -> None:
        if not credentials.password_matches(current, user.password_hash):
            raise Refused(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "The current password is wrong", location="current_password"
            )
        await self.set_password(user, new, "new_password")
        # Whoever else knew the old password is signed out everywhere but here.
        keep = credentials.digest(keep_session) if keep_session else None
        await self.repository.end_web_sessions_of(user.user_id, except_hash=keep)

    async def set_password(self, user: User, password: str, location: str = "password") -> None:
        check_new_password(password, user.email, location)
        user.password_hash = credentials.hash_password(password)

    # browser sessions
    async def start_session(self, user: User, replacing: str | None) -> str:
        """A new session id for the user; the one the browser had before (if any) ends: ids rotate on sign-in."""
        if replacing:
            await self.repository.end_web_session(credentials.digest(replacing))
        now = utcnow()
        await self.repository.end_expired_web_sessions(now, self._idle_since(now))
        secret = credentials.new_secret()
        expires = now + dt.timedelta(hours=self.settings.session_absolute_hours)
        self.repository.add_web_session(
            WebSession(
                session_hash=credentials.digest(secret),
                user_id=user.user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=expires,
            )
        )
        return secret

    async def end_session(self, secret: str) -> None:
        await self.repository.end_web_session(credentials.digest(secret))

    async def user_for_session(self, secret: str) -> User | None:
        """The user signed in with this session id, if the session is neither idle too long nor past its end
        (the caller refuses a disabled user)."""
        row = await self.repository.web_session(credentials.digest(secret))
        if row is None:
            return None
        now = utcnow()
        if as_utc(row.expires_at) <= now or as_utc(row.last_seen_at) <= self._idle_since(now):
            await self.repository.end_web_session(row.session_hash)
            return None
        user = await self.repository.user(row.user_id)
        if user is None:
            return None
        if now - as_utc(row.last_seen_at) > TOUCH_EVERY:
            row.last_seen_at = now
        return user

    def _idle_since(self, now: dt.datetime) -> dt.datetime:
        return now - dt.timedelta(minutes=self.settings.session_idle_minutes)

    # API tokens
    async def create_token(self, user: User, name: str, expires_at: dt.datetime | None) -> NewToken:
        now = utcnow()
        if expires_at is not None and as_utc(expires_at) <= now:
            raise Refused(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "The expiry must be in the future", location="expires_at"
            )
        secret = credentials.new_secret(credentials.TOKEN_PREFIX)
        token = ApiToken(
            token_hash=credentials.digest(secret),
            token_id=uuid.uuid4(),
            user_id=user.user_id,
            name=name,
            prefix=secret[: credentials.SHOWN_PREFIX],
            created_at=now,
            expires_at=expires_at,
        )
        self.repository.add_token(token)
        return NewToken(token, secret)

    async def tokens(self, user: User) -> Sequence[ApiToken]:
        return await self.repository.tokens_of(user.user_id)

    async def revoke_token(self, user: User, token_id: uuid.UUID) -> ApiToken:
        token = await self.repository.token_of(user.user_id, token_id)
        if token is None:
            raise Refused(status.HTTP_404_NOT_FOUND, f"No API token with id {token_id}")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
        return token

    async def user_for_token(self, secret: str) -> User | None:
        """The owner of a usable token: neither revoked nor expired (the caller refuses a disabled owner)."""
        token = await self.repository.token(credentials.digest(secret))
        now = utcnow()
        if token is None or not usable(token, now):
            return None
        user = await self.repository.user(token.user_id)
        if user is None:
            return None
        if token.last_used_at is None or now - as_utc(token.last_used_at) > TOUCH_EVERY:
            token.last_used_at = now
        return user
