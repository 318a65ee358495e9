"""Driving the accounts of an embedded platform in token mode the way a browser does: pages, forms, cookies."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test account's password


def csrf_of(page: httpx.Response) -> str:
    match = CSRF_META.search(page.text)
    assert match, page.text[:500]
    assert match.group(1), "the page has an empty CSRF token"
    return match.group(1)


async def page_token(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text[:500]
    return csrf_of(page)


async def sign_up(client: httpx.AsyncClient, email: str, password: str = PASSWORD, invite: str = "") -> httpx.Response:
    token = await page_token(client, "/signup")
    form = {"email": email, "password": password, "csrf_token": token, "invite": invite}
    return await client.post("/signup", data=form)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = await page_token(client, "/login")
    return await client.post("/login", data={"email": email, "password": password, "csrf_token": token})


async def admin_token(data_dir: Path, email: str = "admin@example.com", password: str = PASSWORD) -> str:
    """An admin (with a password, to sign in too) made as `dmb users create --admin` does; their API token."""
    from dmb_platform.users import provision

    return await provision(f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}", email, is_admin=True, password=password)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
