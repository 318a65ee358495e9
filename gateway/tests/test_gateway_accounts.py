"""Accounts through real HTTP on the embedded platform in token mode: sign-up modes, sign-in and sign-out,
session rotation and expiry, CSRF refusals, sign-in throttling, and passwords kept out of the logs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dmb_testing import platform
from dmb_testing.accounts import PASSWORD, bearer, csrf_of, page_token, sign_in, sign_up


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open") as http:
        yield http


async def test_open_sign_up_signs_the_browser_in_with_an_httponly_lax_cookie(client: httpx.AsyncClient) -> None:
    response = await sign_up(client, "ada@example.com")

    assert (response.status_code, response.headers["location"]) == (303, "/")
    cookie = response.headers["set-cookie"]
    assert "dmb_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    account = await client.get("/api/v1/account")
    assert account.status_code == 200, account.text
    assert (account.json()["email"], account.json()["is_admin"]) == ("ada@example.com", False)
    home = await client.get("/")
    assert home.status_code == 200
    assert "ada@example.com" in home.text


async def test_signed_out_the_navbar_offers_sign_in_not_pages_that_need_an_account(
    client: httpx.AsyncClient,
) -> None:
    signed_out = await client.get("/login")
    assert signed_out.status_code == 200
    assert 'href="/tables/new"' not in signed_out.text
    assert 'href="/jobs"' not in signed_out.text
    await sign_up(client, "ada@example.com")
    signed_in = await client.get("/")
    assert 'href="/tables/new"' in signed_in.text
    assert 'href="/logout"' in signed_in.text


async def test_the_session_cookie_is_secure_behind_https(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open") as http:
        http.base_url = httpx.URL("https://127.0.0.1")
        response = await sign_up(http, "ada@example.com")
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


async def test_sign_up_off_and_invite_only_refuse_strangers(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="off") as http:
        page = await sign_up(http, "eve@example.com")
        api = await http.post("/api/v1/auth/signup", json={"email": "eve@example.com", "password": PASSWORD})
    assert page.status_code == 403
    assert "Sign-up is closed" in page.text
    assert api.status_code == 403
    assert "closed" in api.json()["message"]

    async with platform.embedded_client(tmp_path / "invite", auth_mode="token", signup="invite") as http:
        page = await sign_up(http, "eve@example.com", invite="made-up")
        api = await http.post("/api/v1/auth/signup", json={"email": "eve@example.com", "password": PASSWORD})
    assert page.status_code == 403
    assert "unknown, used or expired" in page.text
    assert api.status_code == 403
    assert api.json()["errors"] == [{"location": "invite", "message": "Sign-up needs an invitation from an admin"}]


async def test_a_weak_password_or_a_taken_address_is_refused_with_where(client: httpx.AsyncClient) -> None:
    short = await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": "short"})
    assert short.status_code == 422
    assert short.json()["errors"][0]["location"] == "password"
    assert (
        await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD})
    ).is_success
    taken = await client.post("/api/v1/auth/signup", json={"email": "ADA@example.com", "password": PASSWORD})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["location"] == "email"


async def test_sign_in_rotates_the_session_id_and_sign_out_ends_it(client: httpx.AsyncClient) -> None:
    await sign_up(client, "ada@example.com")
    first = client.cookies["dmb_session"]

    response = await sign_in(client, "ada@example.com")
    second = client.cookies["dmb_session"]
    assert response.status_code == 303
    assert second != first
    client.cookies.set("dmb_session", first)
    assert (await client.get("/api/v1/account")).status_code == 401
    client.cookies.set("dmb_session", second)

    token = await page_token(client, "/logout")
    out = await client.post("/logout", data={"csrf_token": token})
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    client.cookies.set("dmb_session", second)
    assert (await client.get("/api/v1/account")).status_code == 401
    assert (await client.get("/")).headers["location"] == "/login?next=/"  # back to the page after sign-in


async def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD})
    assert (await client.get("/account")).headers["location"] == "/login?next=/account"

    for asked, landed in (("/account", "/account"), ("//evil.example/", "/"), ("https://evil.example/", "/")):
        token = await page_token(client, "/login")
        form = {"email": "ada@example.com", "password": PASSWORD, "csrf_token": token, "next": asked}
        response = await client.post("/login", data=form)
        assert (response.status_code, response.headers["location"]) == (303, landed)


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client: httpx.AsyncClient) -> None:
    await sign_up(client, "ada@example.com")
    client.cookies.clear()

    wrong = await sign_in(client, "ada@example.com", "not the password")
    nobody = await sign_in(client, "nobody@example.com")

    assert wrong.status_code == nobody.status_code == 401
    assert "Wrong e-mail address or password" in wrong.text
    assert "Wrong e-mail address or password" in nobody.text
    assert "dmb_session" not in client.cookies


async def test_cookie_requests_that_change_state_need_the_csrf_token(client: httpx.AsyncClient) -> None:
    await sign_up(client, "ada@example.com")
    page = await client.get("/account")
    token = csrf_of(page)

    no_header = await client.post("/api/v1/tokens", json={"name": "laptop"})
    wrong = await client.post("/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRF-Token": "0" * 64})
    form_without = await client.post("/account/tokens", data={"name": "laptop"})
    assert no_header.status_code == wrong.status_code == form_without.status_code == 403
    assert "CSRF token" in no_header.json()["message"]

    with_header = await client.post("/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRF-Token": token})
    with_field = await client.post("/account/tokens", data={"name": "ci", "csrf_token": token})
    assert with_header.status_code == 201
    assert with_field.status_code == 201
    # A read needs no token, and a bearer call carries no ambient credential: exempt.
    assert (await client.get("/api/v1/tokens")).status_code == 200
    client.cookies.clear()
    api_token = with_header.json()["token"]
    by_bearer = await client.post("/api/v1/tokens", json={"name": "script"}, headers=bearer(api_token))
    assert by_bearer.status_code == 201


async def test_a_sign_in_form_without_its_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD})
    await client.get("/login")  # the browser has its pre-session cookie, the forged form not its token

    forged = await client.post("/login", data={"email": "ada@example.com", "password": PASSWORD})

    assert forged.status_code == 403
    assert "dmb_session" not in client.cookies


async def test_failed_sign_ins_are_throttled_per_account_with_retry_after(tmp_path: Path) -> None:
    async with platform.embedded_client(
        tmp_path, auth_mode="token", signup="open", login_limit_per_account="3/minute"
    ) as client:
        await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD})
        body = {"email": "ada@example.com", "password": "guess", "name": "cli"}
        statuses = [(await client.post("/api/v1/auth/token", json=body)).status_code for _ in range(3)]
        limited = await client.post("/api/v1/auth/token", json=body | {"password": PASSWORD})
        page = await sign_in(client, "ada@example.com")
        other = await client.post("/api/v1/auth/token", json=body | {"email": "bob@example.com"})

    assert statuses == [401, 401, 401]
    assert limited.status_code == 429
    assert page.status_code == 429
    assert "Too many failed sign-ins" in page.text
    assert int(page.headers["retry-after"]) >= 1
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "Too many failed sign-ins for this account (3 per 1 minute)" in limited.json()["message"]
    assert other.status_code == 401  # another account is not locked out by ada's attacker


async def test_failed_sign_ins_are_throttled_per_address(tmp_path: Path) -> None:
    async with platform.embedded_client(
        tmp_path, auth_mode="token", signup="open", login_limit_per_address="4/minute"
    ) as client:
        statuses = []
        for index in range(5):
            body = {"email": f"user{index}@example.com", "password": "guess", "name": "cli"}
            statuses.append((await client.post("/api/v1/auth/token", json=body)).status_code)
        limited = await client.post("/api/v1/auth/token", json=body)

    assert statuses == [401, 401, 401, 401, 429]
    assert "this address" in limited.json()["message"]
    assert int(limited.headers["retry-after"]) >= 1


async def test_sign_ups_are_throttled_per_address(tmp_path: Path) -> None:
    async with platform.embedded_client(
        tmp_path, auth_mode="token", signup="open", signup_limit_per_address="2/minute"
    ) as client:
        statuses = []
        for index in range(3):
            body = {"email": f"user{index}@example.com", "password": PASSWORD}
            statuses.append((await client.post("/api/v1/auth/signup", json=body)).status_code)
        page = await sign_up(client, "user9@example.com")

    assert statuses == [201, 201, 429]
    assert page.status_code == 429
    assert "Too many sign-ups for this address (2 per 1 minute)" in page.text


async def test_an_idle_session_is_signed_out(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open", session_idle_minutes=0.1) as client:
        await sign_up(client, "ada@example.com")
        signed_up = time.monotonic()
        assert (await client.get("/api/v1/account")).status_code == 200
        await asyncio.sleep(max(0.0, signed_up + 6.5 - time.monotonic()))
        assert (await client.get("/api/v1/account")).status_code == 401


async def test_a_session_ends_at_its_absolute_expiry_even_when_used(tmp_path: Path) -> None:
    async with platform.embedded_client(
        tmp_path, auth_mode="token", signup="open", session_absolute_hours=6 / 3600
    ) as client:
        await sign_up(client, "ada@example.com")
        signed_up = time.monotonic()
        assert (await client.get("/api/v1/account")).status_code == 200
        await asyncio.sleep(max(0.0, signed_up + 6.5 - time.monotonic()))
        assert (await client.get("/api/v1/account")).status_code == 401


async def test_changing_the_password_keeps_this_session_and_ends_the_others(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open") as client:
        await sign_up(client, "ada@example.com")
        other = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
        async with other:
            await sign_in(other, "ada@example.com")
            token = await page_token(client, "/account")
            body = {"current_password": PASSWORD, "new_password": "a much better passphrase", "csrf_token": token}
            changed = await client.post("/account/password", data=body)
            assert changed.status_code == 200
            assert "Your password is changed" in changed.text
            assert (await client.get("/api/v1/account")).status_code == 200
            assert (await other.get("/api/v1/account")).status_code == 401
        client.cookies.clear()
        assert (await sign_in(client, "ada@example.com")).status_code == 401
        assert (await sign_in(client, "ada@example.com", "a much better passphrase")).status_code == 303


async def test_passwords_never_reach_the_logs(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "never-log-this-passphrase"
    with caplog.at_level(logging.DEBUG):
        await sign_up(client, "ada@example.com", secret)
        await sign_in(client, "ada@example.com", secret + "-wrong")
        await client.post("/api/v1/auth/token", json={"email": "ada@example.com", "password": secret, "name": "x"})
        await client.post("/api/v1/auth/signup", json={"email": "bad", "password": secret})

    assert caplog.records, "the requests logged nothing at all: the check would prove nothing"
    logged = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    assert secret not in logged


async def test_local_mode_needs_no_sign_in(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path) as client:
        assert (await client.get("/login")).headers["location"] == "/"
        assert (await client.get("/")).status_code == 200
        assert (await client.post("/api/v1/tokens", json={"name": "script"})).status_code == 201
