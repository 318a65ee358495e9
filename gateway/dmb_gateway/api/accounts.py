"""/api/v1/auth, /api/v1/account and /api/v1/tokens: sign up, trade a password for an API token, change the
password, and create, list and revoke one's API tokens."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from dmb_gateway.accounts import csrf
from dmb_gateway.accounts.quotas import QuotaService, quotas_of
from dmb_gateway.accounts.schemas import (
    PasswordChange,
    SignUp,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    TokenSignIn,
    TokensPublic,
    UserPublic,
)
from dmb_gateway.api.deps import AccountsDep, ContextDep, CurrentUser, SessionDep, client_address
from dmb_gateway.api.shared import errors
from dmb_gateway.models import User

router = APIRouter(tags=["accounts"])
REFUSALS = errors(401, 403, 404, 409, 422, 429)


class QuotaPublic(BaseModel):
    rows_per_job: int
    concurrent_jobs: int
    tables: int
    export_bytes: int


class UsagePublic(BaseModel):
    active_jobs: int
    tables: int
    export_bytes: int


class AccountPublic(UserPublic):
    quotas: QuotaPublic
    usage: UsagePublic


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, response_model=UserPublic, responses=REFUSALS)
async def sign_up(
    body: SignUp, request: Request, context: ContextDep, accounts: AccountsDep, session: SessionDep
) -> User:
    """Create an account, as the operator's DMB_SIGNUP allows: open, with an admin's invitation, or not at all.
    Attempts are limited per client address (429 with Retry-After)."""
    user = await accounts.sign_up(body.email, body.password, body.invite, client_address(request), context.throttle)
    await session.commit()
    return user


@router.post("/auth/token", status_code=status.HTTP_201_CREATED, response_model=TokenCreated, responses=REFUSALS)
async def token_for_password(
    body: TokenSignIn, request: Request, context: ContextDep, accounts: AccountsDep, session: SessionDep
) -> TokenCreated:
    """Sign in with e-mail and password and get a new API token (what `dmb login` does). Failed attempts are
    limited per account and per address (429 with Retry-After)."""
    user = await accounts.sign_in(body.email, body.password, client_address(request), context.throttle)
    new = await accounts.create_token(user, body.name, body.expires_at)
    await session.commit()
    return TokenCreated.of(new.token, new.secret)


@router.get("/account", response_model=AccountPublic, responses=REFUSALS)
async def get_account(user: CurrentUser, context: ContextDep, session: SessionDep) -> AccountPublic:
    """Who you are, your quotas and how much of them you use."""
    usage = await QuotaService(session, context.settings).usage_of(user)
    quotas = quotas_of(user, context.settings)
    return AccountPublic(
        **UserPublic.model_validate(user).model_dump(),
        quotas=QuotaPublic(**asdict(quotas)),
        usage=UsagePublic(**asdict(usage)),
    )


@router.post("/account/password", status_code=status.HTTP_204_NO_CONTENT, responses=REFUSALS)
async def change_password(
    body: PasswordChange, request: Request, user: CurrentUser, accounts: AccountsDep, session: SessionDep
) -> Response:
    """Change your password; your other browser sessions are signed out."""
    await accounts.change_password(
        user, body.current_password, body.new_password, keep_session=request.cookies.get(csrf.SESSION_COOKIE)
    )
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tokens", response_model=TokensPublic, responses=REFUSALS)
async def list_tokens(user: CurrentUser, accounts: AccountsDep) -> TokensPublic:
    """Your API tokens, newest first: name, prefix and dates (never the token itself)."""
    return TokensPublic(items=[TokenPublic.model_validate(t) for t in await accounts.tokens(user)])


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated, responses=REFUSALS)
async def create_token(
    body: TokenCreate, user: CurrentUser, accounts: AccountsDep, session: SessionDep
) -> TokenCreated:
    """A new API token; the response is the only time it is shown."""
    new = await accounts.create_token(user, body.name, body.expires_at)
    await session.commit()
    return TokenCreated.of(new.token, new.secret)


@router.delete("/tokens/{token_id}", response_model=TokenPublic, responses=REFUSALS)
async def revoke_token(
    token_id: uuid.UUID, user: CurrentUser, accounts: AccountsDep, session: SessionDep
) -> TokenPublic:
    """Revoke one of your tokens: from now on it is refused (401)."""
    token = await accounts.revoke_token(user, token_id)
    await session.commit()
    return TokenPublic.model_validate(token)
