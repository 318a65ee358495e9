"""What every page gets (`request`, `user`, `csrf_token`, `auth_mode`), and the cookies behind them."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from dmb_common.settings import Environment
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from dmb_gateway.accounts import csrf
from dmb_gateway.api.deps import GatewayContext
from dmb_gateway.models import User

PRE_SESSION_MAX_AGE = 2 * 3600
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _secure(request: Request, context: GatewayContext) -> bool:
    configured = context.settings.session_cookie_secure
    if configured is not None:
        return configured
    return request.url.scheme == "https" or context.settings.environment is Environment.PRODUCTION


def binding_cookie(request: Request, user: User | None) -> str | None:
    """The cookie this browser's CSRF token is bound to: its session once signed in, else its pre-session."""
    if user is not None and (session := request.cookies.get(csrf.SESSION_COOKIE)):
        return session
    return request.cookies.get(csrf.PRE_SESSION_COOKIE)


async def check_csrf(request: Request, context: GatewayContext, user: User | None) -> None:
    await csrf.check_request(request, context.settings.secret_key.get_secret_value(), binding_cookie(request, user))


def render(
    request: Request,
    context: GatewayContext,
    template: str,
    user: User | None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    key = context.settings.secret_key.get_secret_value()
    cookie = binding_cookie(request, user)
    new_pre_session = None
    if cookie is None:
        cookie = new_pre_session = secrets.token_urlsafe(32)
    page: dict[str, Any] = {
        "user": user,
        "csrf_token": csrf.token_for(key, cookie),
        "auth_mode": context.settings.auth_mode.value,
        "signup": context.settings.signup.value,
    } | (values or {})
    response = templates.TemplateResponse(request, template, page, status_code=status_code, headers=headers)
    if new_pre_session is not None:
        response.set_cookie(
            csrf.PRE_SESSION_COOKIE,
            new_pre_session,
            max_age=PRE_SESSION_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=_secure(request, context),
        )
    return response


def set_session_cookie(response: Response, request: Request, context: GatewayContext, secret: str) -> None:
    # No max-age: the server ends the session (idle and absolute expiry); the browser drops it when closed.
    response.set_cookie(csrf.SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=_secure(request, context))
    response.delete_cookie(csrf.PRE_SESSION_COOKIE)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(csrf.SESSION_COOKIE)


def redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host` or `https://host` (an open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


class PageRefusal(Exception):
    """A page that cannot be shown to this visitor: the response to send instead (sign in first, 403)."""

    def __init__(self, response: Response) -> None:
        super().__init__("page refused")
        self.response = response


async def page_refusal_response(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefusal)
    return exc.response


def signed_in(request: Request, user: User | None) -> User:
    if user is None:
        raise PageRefusal(redirect(f"/login?next={request.url.path}"))
    return user


def admin_only(request: Request, context: GatewayContext, user: User | None) -> User:
    if not signed_in(request, user).is_admin:
        values = {"heading": "Admins only", "error": "Only admins may see the admin area."}
        raise PageRefusal(render(request, context, "error.html", user, values, 403))
    assert user is not None
    return user
