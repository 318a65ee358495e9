"""FastAPI dependencies: the database session, the current user, the gateway's context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from dmb_common.runtime import ServiceRuntime
from dmb_common.storage import ObjectStore
from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.auth import LOCAL_USER_ID, user_for_token
from dmb_gateway.models import User
from dmb_gateway.settings import AuthMode, GatewaySettings


@dataclass
class GatewayContext:
    settings: GatewaySettings
    runtime: ServiceRuntime
    store: ObjectStore


def get_context(request: Request) -> GatewayContext:
    context = request.app.state.context
    assert isinstance(context, GatewayContext)
    return context


ContextDep = Annotated[GatewayContext, Depends(get_context)]


async def get_session(context: ContextDep) -> AsyncIterator[AsyncSession]:
    async with context.runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def current_user(request: Request, context: ContextDep) -> User:
    """The caller, read in a session of its own that is closed before the endpoint runs.

    It used to share the request's session, whose connection then stayed checked out for the whole request;
    an endpoint that opens a unit of work needs a second connection, so 15 concurrent requests held the pool's
    15 connections and all waited for a 16th: the pool ran dry and every request failed after 30 s.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        async with context.runtime.sessions() as session:
            user = await user_for_token(session, token.strip())
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid API token", {"WWW-Authenticate": "Bearer"})
        return user
    if context.settings.auth_mode is AuthMode.LOCAL:
        async with context.runtime.sessions() as session:
            local = await session.get(User, LOCAL_USER_ID)
        assert local is not None
        return local
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "An API token is required (Authorization: Bearer ...)",
        {"WWW-Authenticate": "Bearer"},
    )


CurrentUser = Annotated[User, Depends(current_user)]
