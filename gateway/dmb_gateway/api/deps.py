"""FastAPI dependencies: the database session, the current user, the gateway's context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from dmb_common.runtime import ServiceRuntime
from dmb_common.storage import ObjectStore
from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.accounts import csrf
from dmb_gateway.accounts.repository import AccountsRepository
from dmb_gateway.accounts.service import AccountService
from dmb_gateway.accounts.throttle import LoginThrottle
from dmb_gateway.admin.audit_middleware import ACTOR
from dmb_gateway.auth import LOCAL_USER_ID
from dmb_gateway.changes import Changes
from dmb_gateway.models import User
from dmb_gateway.settings import AuthMode, GatewaySettings


@dataclass
class GatewayContext:
    settings: GatewaySettings
    runtime: ServiceRuntime
    store: ObjectStore
    throttle: LoginThrottle
    #: The users' tables, read-only here (the data browser).
    datasets: Engine
    #: Rows of the read model this process's projection changed (event streams wake on them).
    changes: Changes = field(default_factory=Changes)


def get_context(request: Request) -> GatewayContext:
    context = request.app.state.context
    assert isinstance(context, GatewayContext)
    return context


ContextDep = Annotated[GatewayContext, Depends(get_context)]


async def get_session(context: ContextDep) -> AsyncIterator[AsyncSession]:
    async with context.runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_accounts(session: SessionDep, context: ContextDep) -> AccountService:
    return AccountService(AccountsRepository(session), context.settings)


AccountsDep = Annotated[AccountService, Depends(get_accounts)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refuse_disabled(request: Request, user: User) -> User:
    if user.is_disabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This account is disabled; ask an admin")
    if user.is_admin:
        setattr(request.state, ACTOR, (user.user_id, user.email))  # for the audit log of admins' actions
    return user


async def optional_user(
    request: Request, context: ContextDep, session: SessionDep, accounts: AccountsDep
) -> User | None:
    """Who is asking, or None: a bearer token's owner, else (token mode) the browser session's user, else (local
    mode) the local user. A cookie-authenticated request that changes state must carry its CSRF token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        address = client_address(request)
        await context.throttle.check_token(address)  # 429 once this address sent too many bad tokens
        user = await accounts.user_for_token(token.strip())
        await session.commit()  # the token's last use
        if user is None:
            await context.throttle.failed_token(address)
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "Invalid, expired or revoked API token", {"WWW-Authenticate": "Bearer"}
            )
        return _refuse_disabled(request, user)
    if context.settings.auth_mode is AuthMode.LOCAL:
        local = await session.get(User, LOCAL_USER_ID)
        # Ends the read, so the request's connection goes back to the pool until the endpoint needs one. Held
        # through the request, it was the first of two connections every writing request needs at once (its
        # unit of work is another session): 15 concurrent requests emptied the pool (5 + 10) waiting for their
        # second, and all failed after 30 s. Every branch here commits for the same reason.
        await session.commit()
        return local
    cookie = request.cookies.get(csrf.SESSION_COOKIE)
    if not cookie:
        return None
    user = await accounts.user_for_session(cookie)
    await session.commit()  # the session's last activity, or its end
    if user is None:
        return None
    await csrf.check_request(request, context.settings.secret_key.get_secret_value(), cookie)
    return _refuse_disabled(request, user)


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def current_user(user: OptionalUser) -> User:
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "An API token is required (Authorization: Bearer ...), or sign in to the web UI",
            {"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only admins may do this")
    return user


AdminUser = Annotated[User, Depends(admin_user)]
