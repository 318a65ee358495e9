"""Throttling of sign-ins (per account and per client address), sign-ups (per client address) and failed API
tokens (per client address), counted by the `limits` library.

For sign-ins only failed attempts count, so a user who types their password right is never slowed down; every
sign-up attempt counts (with DMB_SIGNUP=open nothing else stops one address making accounts in bulk). Once a
limit is used up every attempt is refused with 429 and Retry-After until the window moves on.

For bearer tokens only failed ones count, and only against the address that sent them: an address that used up
its failures is refused (429) before its tokens are even looked up, so guessing gains nothing, while every other
client's valid tokens go on working."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import status
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from dmb_gateway.accounts.refusal import Refused


@dataclass(frozen=True)
class _Rule:
    what: str
    action: str
    limits: list[RateLimitItem]


class LoginThrottle:
    def __init__(
        self,
        per_account: str,
        per_address: str,
        storage_url: str,
        signups_per_address: str = "",
        tokens_per_address: str = "",
    ) -> None:
        url = storage_url if storage_url.startswith("async+") else f"async+{storage_url}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(url))
        self._account = _Rule("this account", "failed sign-ins", parse_many(per_account))
        self._address = _Rule("this address", "failed sign-ins", parse_many(per_address))
        self._signups = _Rule(
            "this address", "sign-ups", parse_many(signups_per_address) if signups_per_address else []
        )
        self._tokens = _Rule(
            "this address", "invalid API tokens", parse_many(tokens_per_address) if tokens_per_address else []
        )

    def _sign_in_keys(self, email: str, address: str) -> list[tuple[_Rule, str]]:
        return [(self._account, f"login:account:{email.strip().lower()}"), (self._address, f"login:address:{address}")]

    async def _check(self, keys: list[tuple[_Rule, str]]) -> None:
        for rule, key in keys:
            for limit in rule.limits:
                if not await self._limiter.test(limit, key):
                    stats = await self._limiter.get_window_stats(limit, key)
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    raise Refused(
                        status.HTTP_429_TOO_MANY_REQUESTS,
                        f"Too many {rule.action} for {rule.what} ({limit}); try again in {wait} s",
                        headers={"Retry-After": str(wait)},
                    )

    async def _hit(self, keys: list[tuple[_Rule, str]]) -> None:
        for rule, key in keys:
            for limit in rule.limits:
                await self._limiter.hit(limit, key)

    async def check(self, email: str, address: str) -> None:
        """Refuse (429) when the account or the address used up its failed sign-ins."""
        await self._check(self._sign_in_keys(email, address))

    async def failed(self, email: str, address: str) -> None:
        await self._hit(self._sign_in_keys(email, address))

    async def sign_up_attempt(self, address: str) -> None:
        """Count a sign-up from this address, refusing (429) once the address used up its sign-ups."""
        keys = [(self._signups, f"signup:address:{address}")]
        await self._check(keys)
        await self._hit(keys)

    def _token_keys(self, address: str) -> list[tuple[_Rule, str]]:
        return [(self._tokens, f"token:address:{address}")]

    async def check_token(self, address: str) -> None:
        """Refuse (429) a bearer token from an address that used up its failed tokens, before looking it up."""
        await self._check(self._token_keys(address))

    async def failed_token(self, address: str) -> None:
        await self._hit(self._token_keys(address))
