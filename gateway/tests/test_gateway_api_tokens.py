"""API tokens over REST in token mode: created and shown once, listed by prefix, refused (401) once expired
or revoked, and only their owner's to see or revoke."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from dmb_testing import platform
from dmb_testing.accounts import PASSWORD, bearer, page_token, sign_up


async def test_tokens_are_listed_by_prefix_and_refused_once_expired_or_revoked(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open") as client:
        for email in ("ada@example.com", "bob@example.com"):
            assert (await client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD})).is_success
        login = await client.post(
            "/api/v1/auth/token", json={"email": "ada@example.com", "password": PASSWORD, "name": "cli"}
        )
        assert login.status_code == 201, login.text
        ada = bearer(login.json()["token"])
        bob_login = await client.post(
            "/api/v1/auth/token", json={"email": "bob@example.com", "password": PASSWORD, "name": "cli"}
        )
        bob = bearer(bob_login.json()["token"])
        past = await client.post(
            "/api/v1/tokens", json={"name": "past", "expires_at": "2020-01-01T00:00:00Z"}, headers=ada
        )
        # Generous on a loaded machine: the token must still be valid when first used below.
        lifetime = 6.0
        expiry = time.monotonic() + lifetime
        soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lifetime)).isoformat()
        short = await client.post("/api/v1/tokens", json={"name": "short", "expires_at": soon}, headers=ada)

        assert past.status_code == 422
        assert past.json()["errors"] == [{"location": "expires_at", "message": "The expiry must be in the future"}]
        listing = (await client.get("/api/v1/tokens", headers=ada)).json()["items"]
        assert [t["name"] for t in listing] == ["short", "cli"]
        assert all("token" not in t and t["prefix"].startswith("dmb_") for t in listing)
        assert short.json()["token"].startswith(listing[0]["prefix"])
        assert (await client.get("/api/v1/tables", headers=bearer(short.json()["token"]))).status_code == 200

        # Another user can neither see nor revoke ada's token.
        assert (await client.delete(f"/api/v1/tokens/{short.json()['id']}", headers=bob)).status_code == 404
        await asyncio.sleep(max(0.0, expiry + 0.5 - time.monotonic()))
        expired = await client.get("/api/v1/tables", headers=bearer(short.json()["token"]))
        assert expired.status_code == 401
        assert expired.headers["www-authenticate"] == "Bearer"

        revoked = await client.delete(f"/api/v1/tokens/{listing[1]['id']}", headers=ada)
        assert revoked.status_code == 200
        assert revoked.json()["revoked_at"] is not None
        assert (await client.get("/api/v1/tables", headers=ada)).status_code == 401


async def test_the_web_form_cannot_revoke_another_users_token(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open") as client:
        await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD})
        login = await client.post(
            "/api/v1/auth/token", json={"email": "ada@example.com", "password": PASSWORD, "name": "cli"}
        )
        adas = login.json()["id"]
        await sign_up(client, "bob@example.com")  # Bob, signed in to the web UI with a cookie
        token = await page_token(client, "/account")
        revoke = await client.post(f"/account/tokens/{adas}/revoke", data={"csrf_token": token})
        client.cookies.clear()
        still = await client.get("/api/v1/tables", headers=bearer(login.json()["token"]))

    assert revoke.status_code == 404
    assert f"No API token with id {adas}" in revoke.text
    assert still.status_code == 200  # Ada's token was not revoked
