"""Sign-in throttling per account and per client address, counted by the `limits` library.

Only failed attempts count, so a user who types their password right is never slowed down; once a limit is
used up every attempt (right or wrong) is refused with 429 and Retry-After until the window moves on."""

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
    limits: list[RateLimitItem]


class LoginThrottle:
    def __init__(self, per_account: str, per_address: str, storage_url: str) -> None:
        url = storage_url if storage_url.startswith("async+") else f"async+{storage_url}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(url))
        self._account = _Rule("this account", parse_many(per_account))
        self._address = _Rule("this address", parse_many(per_address))

    def _keys(self, email: str, address: str) -> list[tuple[_Rule, str]]:
        return [(self._account, f"login:account:{email.strip().lower()}"), (self._address, f"login:address:{address}")]

    async def check(self, email: str, address: str) -> None:
        """Refuse (429) when the account or the address used up its failed attempts."""
        for rule, key in self._keys(email, address):
            for limit in rule.limits:
                if not await self._limiter.test(limit, key):
                    stats = await self._limiter.get_window_stats(limit, key)
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    raise Refused(
                        status.HTTP_429_TOO_MANY_REQUESTS,
                        f"Too many failed sign-ins for {rule.what} ({limit}); try again in {wait} s",
                        headers={"Retry-After": str(wait)},
                    )

    async def failed(self, email: str, address: str) -> None:
        for rule, key in self._keys(email, address):
            for limit in rule.limits:
                await self._limiter.hit(limit, key)
