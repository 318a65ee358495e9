"""CSRF tokens for cookie-authenticated requests (signed double submit, OWASP's recommended form).

The token is an HMAC, under the platform's secret key, of the browser's own cookie: the session id once signed
in, else a random pre-session cookie set by the sign-in and sign-up pages. A forged cross-site request carries
the cookie but cannot read it, so it cannot compute the token. Bearer-token API calls carry no ambient
credential and are exempt."""

from __future__ import annotations

from fastapi import Request, status

from dmb_gateway.accounts import credentials
from dmb_gateway.accounts.refusal import Refused

SESSION_COOKIE = "dmb_session"
PRE_SESSION_COOKIE = "dmb_presession"
HEADER = "X-CSRF-Token"
FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def token_for(secret_key: str, cookie_value: str) -> str:
    return credentials.keyed_digest(secret_key, "csrf:" + cookie_value)


def check(secret_key: str, cookie_value: str | None, sent: str | None) -> None:
    """Refuse (403) a state-changing request whose token does not match the cookie it came with."""
    if not cookie_value or not sent or not credentials.same(token_for(secret_key, cookie_value), sent):
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            f"Missing or wrong CSRF token: send the page's token as the {HEADER} header or the {FORM_FIELD} field; "
            "reload the page if it was open for long",
        )


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def sent_token(request: Request) -> str | None:
    """The token from the header, else (an HTML form) from the form's hidden field."""
    if header := request.headers.get(HEADER):
        return header
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        # Starlette keeps the parsed form on the request, so the endpoint reads it again for free.
        value = (await request.form()).get(FORM_FIELD)
        return value if isinstance(value, str) else None
    return None


async def check_request(request: Request, secret_key: str, cookie_value: str | None) -> None:
    if request.method not in SAFE_METHODS:
        check(secret_key, cookie_value, await sent_token(request))
