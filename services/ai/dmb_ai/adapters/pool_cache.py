"""The value-pool cache in the service's own database: rows a model wrote, by brief and model."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from dmb_contracts.compositions import Composition
from dmb_contracts.envelope import utcnow
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmb_ai.adapters.chat_model import ModelEndpoint
from dmb_ai.domain.briefs import RequestBrief
from dmb_ai.domain.screening import Row
from dmb_ai.models import PoolCacheEntry


def cache_key(brief: RequestBrief, endpoint: ModelEndpoint) -> str:
    """The same fields, table, context and locale on the same endpoint and model: the same key. The count is
    not in it: a pool at least as large as the one asked for serves any count."""
    identity = {
        "brief": brief.model_dump(mode="json", exclude={"code_made", "identifiers"}),
        "base_url": endpoint.base_url,
        "model": endpoint.model,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class CachedPools:
    rows: list[Row]
    compositions: dict[str, Composition]


class PoolCache:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def pools(self, key: str, count: int, composed: Mapping[str, int]) -> CachedPools | None:
        """The cached rows for `key` if there are at least `count` of them, with a composition of at least
        `composed[name]` values for each field named there; None otherwise."""
        async with self._sessions() as session:
            entry = await session.get(PoolCacheEntry, key)
        if entry is None or len(entry.rows) < count:
            return None
        compositions = {name: Composition.model_validate(c) for name, c in (entry.compositions or {}).items()}
        if any(name not in compositions or compositions[name].size < size for name, size in composed.items()):
            return None
        return CachedPools(list(entry.rows), compositions)

    async def store(self, key: str, model: str, rows: list[Row], compositions: Mapping[str, Composition]) -> None:
        """Keep `rows` under `key` unless a larger pool is already kept; compositions join or replace smaller ones."""
        dumped = {name: c.model_dump(mode="json") for name, c in compositions.items()}
        async with self._sessions() as session, session.begin():
            entry = await session.scalar(sa.select(PoolCacheEntry).where(PoolCacheEntry.key == key).with_for_update())
            if entry is None:
                session.add(PoolCacheEntry(key=key, model=model, rows=rows, compositions=dumped, created_at=utcnow()))
                return
            if len(entry.rows) < len(rows):
                entry.rows, entry.created_at = rows, utcnow()
            entry.compositions = {**(entry.compositions or {}), **dumped}
