"""The account pages: /login, /signup, /logout and /account (password and API tokens). HTML forms with a
hidden CSRF token; the rules are the accounts service's, the same as the REST API's."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict
from typing import Annotated, Any

from dmb_contracts.envelope import utcnow
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from dmb_gateway.accounts import credentials, csrf
from dmb_gateway.accounts.quotas import QuotaService, quotas_of
from dmb_gateway.accounts.refusal import Refused
from dmb_gateway.accounts.service import NewToken
from dmb_gateway.api.deps import AccountsDep, ContextDep, GatewayContext, OptionalUser, SessionDep, client_address
from dmb_gateway.models import User
from dmb_gateway.settings import AuthMode
from dmb_gateway.web.pages import (
    check_csrf,
    clear_session_cookie,
    redirect,
    render,
    safe_next,
    set_session_cookie,
    signed_in,
)

router = APIRouter(include_in_schema=False)


def _signed_in_user(request: Request, user: OptionalUser) -> User:
    return signed_in(request, user)


SignedInUser = Annotated[User, Depends(_signed_in_user)]
FormText = Annotated[str, Form(max_length=credentials.MAX_PASSWORD)]
OptionalText = Annotated[str | None, Form(max_length=credentials.MAX_PASSWORD)]


def _refusal_page(
    request: Request, context: GatewayContext, template: str, user: User | None, refusal: Refused, **values: Any
) -> HTMLResponse:
    return render(
        request, context, template, user, {"error": refusal.message, **values}, refusal.status, refusal.headers
    )


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, context: ContextDep, user: OptionalUser, next: str = "/") -> Response:
    if context.settings.auth_mode is AuthMode.LOCAL:
        return redirect(safe_next(next))
    # A signed-in user sees the form too: signing in again (maybe as someone else) replaces the session.
    return render(request, context, "login.html", user, {"next": safe_next(next)})


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: OptionalUser,
    email: FormText,
    password: FormText,
    next: OptionalText = None,
) -> Response:
    if context.settings.auth_mode is AuthMode.LOCAL:
        return redirect("/")
    await check_csrf(request, context, user)
    try:
        signed_in = await accounts.sign_in(email, password, client_address(request), context.throttle)
    except Refused as refusal:
        await session.commit()
        return _refusal_page(request, context, "login.html", None, refusal, email=email, next=safe_next(next))
    secret = await accounts.start_session(signed_in, replacing=request.cookies.get(csrf.SESSION_COOKIE))
    await session.commit()
    response = redirect(safe_next(next))
    set_session_cookie(response, request, context, secret)
    return response


@router.get("/signup", response_class=HTMLResponse)
async def signup_page(request: Request, context: ContextDep, user: OptionalUser, invite: str | None = None) -> Response:
    if context.settings.auth_mode is AuthMode.LOCAL or user is not None:
        return redirect("/")
    values = {"invite": invite, "min_password": credentials.MIN_PASSWORD}
    return render(request, context, "signup.html", None, values)


@router.post("/signup", response_class=HTMLResponse)
async def signup(
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: OptionalUser,
    email: FormText,
    password: FormText,
    invite: OptionalText = None,
) -> Response:
    if context.settings.auth_mode is AuthMode.LOCAL:
        return redirect("/")
    await check_csrf(request, context, user)
    try:
        created = await accounts.sign_up(email, password, invite, client_address(request), context.throttle)
    except Refused as refusal:
        values = {"email": email, "invite": invite, "min_password": credentials.MIN_PASSWORD}
        return _refusal_page(request, context, "signup.html", None, refusal, **values)
    secret = await accounts.start_session(created, replacing=request.cookies.get(csrf.SESSION_COOKIE))
    await session.commit()
    response = redirect("/")
    set_session_cookie(response, request, context, secret)
    return response


@router.get("/logout", response_class=HTMLResponse)
async def logout_page(request: Request, context: ContextDep, user: OptionalUser) -> Response:
    if context.settings.auth_mode is AuthMode.LOCAL:
        return redirect("/")
    return render(request, context, "logout.html", user)


@router.post("/logout")
async def logout(
    request: Request, context: ContextDep, accounts: AccountsDep, session: SessionDep, user: OptionalUser
) -> Response:
    await check_csrf(request, context, user)
    if secret := request.cookies.get(csrf.SESSION_COOKIE):
        await accounts.end_session(secret)
        await session.commit()
    response = redirect("/login")
    clear_session_cookie(response)
    return response


async def _account_page(
    request: Request,
    context: GatewayContext,
    accounts: AccountsDep,
    session: SessionDep,
    user: User,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    page = {
        "tokens": await accounts.tokens(user),
        "quotas": asdict(quotas_of(user, context.settings)),
        "usage": asdict(await QuotaService(session, context.settings).usage_of(user)),
        "can_change_password": user.password_hash is not None,
        "min_password": credentials.MIN_PASSWORD,
    } | values
    return render(request, context, "account.html", user, page, status_code)


@router.get("/account", response_class=HTMLResponse)
async def account_page(
    request: Request, context: ContextDep, accounts: AccountsDep, session: SessionDep, user: SignedInUser
) -> Response:
    return await _account_page(request, context, accounts, session, user)


@router.post("/account/password", response_class=HTMLResponse)
async def account_password(
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: SignedInUser,
    current_password: FormText,
    new_password: FormText,
) -> Response:
    await check_csrf(request, context, user)
    try:
        keep = request.cookies.get(csrf.SESSION_COOKIE)
        await accounts.change_password(user, current_password, new_password, keep_session=keep)
    except Refused as refusal:
        return await _account_page(request, context, accounts, session, user, refusal.status, error=refusal.message)
    await session.commit()
    return await _account_page(request, context, accounts, session, user, notice="Your password is changed.")


@router.post("/account/tokens", response_class=HTMLResponse)
async def account_create_token(
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: SignedInUser,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    expires_in_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    await check_csrf(request, context, user)
    try:
        expires_at = _expiry(expires_in_days)
        new: NewToken = await accounts.create_token(user, name, expires_at)
    except Refused as refusal:
        return await _account_page(request, context, accounts, session, user, refusal.status, error=refusal.message)
    await session.commit()
    shown = {"name": new.token.name, "token": new.secret}
    return await _account_page(request, context, accounts, session, user, 201, new_token=shown)


def _expiry(days: str) -> dt.datetime | None:
    if not days.strip():
        return None
    if not days.strip().isdigit() or not 1 <= int(days) <= 3650:
        raise Refused(422, "The expiry is a whole number of days from 1 to 3650", location="expires_in_days")
    return utcnow() + dt.timedelta(days=int(days))


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
async def account_revoke_token(
    token_id: uuid.UUID,
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: SignedInUser,
) -> Response:
    await check_csrf(request, context, user)
    try:
        token = await accounts.revoke_token(user, token_id)
    except Refused as refusal:
        return await _account_page(request, context, accounts, session, user, refusal.status, error=refusal.message)
    await session.commit()
    notice = f"Token {token.name!r} is revoked."
    return await _account_page(request, context, accounts, session, user, notice=notice)
