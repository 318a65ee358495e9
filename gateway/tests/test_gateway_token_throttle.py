"""Failed bearer tokens are throttled per client address (the issue's attacker sent 500 bad tokens in 1.4 s and
never saw a 429): past the limit that address is refused with 429 and Retry-After before its tokens are looked
up, while another client's valid token goes on working, and the limit lifts when its window has passed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from dmb_testing import platform
from dmb_testing.accounts import PASSWORD, bearer


def _from(client: httpx.AsyncClient, address: str) -> httpx.AsyncClient:
    """Another client on the same app, seen by the server as coming from `address`."""
    app = client._transport.app  # type: ignore[attr-defined]  # the embedded client's ASGI transport
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=str(client.base_url), timeout=60)


async def test_failed_tokens_are_throttled_per_address_and_the_limit_resets(tmp_path: Path) -> None:
    async with platform.embedded_client(
        tmp_path, auth_mode="token", signup="open", token_limit_per_address="5 per 3 seconds"
    ) as client:
        await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD})
        login = await client.post(
            "/api/v1/auth/token", json={"email": "ada@example.com", "password": PASSWORD, "name": "cli"}
        )
        good = bearer(login.json()["token"])
        async with _from(client, "203.0.113.9") as attacker, _from(client, "198.51.100.7") as other:
            statuses = [
                (await attacker.get("/api/v1/tables", headers=bearer(f"dmb_guess{n}"))).status_code for n in range(8)
            ]
            limited = await attacker.get("/api/v1/tables", headers=bearer("dmb_guess"))
            # The attacker's address is refused even with a valid token: a guess must not tell it apart.
            attacker_good = await attacker.get("/api/v1/tables", headers=good)
            others_good = await other.get("/api/v1/tables", headers=good)
            others_bad = await other.get("/api/v1/tables", headers=bearer("dmb_typo"))
            await asyncio.sleep(3.5)
            after_window = await attacker.get("/api/v1/tables", headers=good)

    assert statuses == [401] * 5 + [429] * 3
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 3
    assert limited.json()["message"].startswith("Too many invalid API tokens for this address (5 per 3 second")
    assert attacker_good.status_code == 429
    assert others_good.status_code == 200  # another client's valid token is not slowed down
    assert others_bad.status_code == 401  # nor are its own failures counted against the attacker's
    assert after_window.status_code == 200  # the limit resets once the window has passed


async def test_the_token_limit_is_an_operator_setting_with_a_generous_default(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open") as client:
        statuses = [(await client.get("/api/v1/tables", headers=bearer(f"dmb_x{n}"))).status_code for n in range(31)]
        document = (await client.get("/api/v1/openapi.json")).json()

    assert statuses == [401] * 30 + [429]
    assert "429" in document["paths"]["/api/v1/tables"]["get"]["responses"]
