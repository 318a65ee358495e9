"""Per-owner isolation: a user sees only their own rows (an admin sees all); others' rows are a 404."""

from __future__ import annotations

import uuid
from typing import TypeVar

from fastapi import HTTPException, status
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.models import AIDesignView, AIVocabularyView, ExportView, JobView, TableView, User

Owned = TypeVar("Owned", TableView, JobView, ExportView, AIDesignView, AIVocabularyView)


async def get_owned(
    session: AsyncSession, model: type[Owned], key: uuid.UUID, user: User, what: str, *, lock: bool = False
) -> Owned:
    """`lock`: the row locked for update (a change racing a projection's)."""
    row = await session.get(model, key, with_for_update=lock)
    if row is None or (row.owner_id != user.user_id and not user.is_admin):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No {what} with id {key}")
    return row
