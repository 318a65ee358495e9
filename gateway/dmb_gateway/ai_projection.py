"""The read model of the AI's proposals: designs and vocabularies move from pending to proposed, failed or
cancelled.

An answer lands once (a finished record is not moved again), so a redelivered event is harmless, and a record
the user cancelled (the API marks it at once) stays cancelled when a proposal made before the cancel arrives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dmb_common.runtime import ServiceRuntime
from dmb_contracts.ai_assist import (
    DesignCancelled,
    DesignFailed,
    DesignProposed,
    VocabularyCancelled,
    VocabularyFailed,
    VocabularyProposed,
)
from dmb_contracts.envelope import Message, utcnow

from dmb_gateway.models import AIDesignView, AIVocabularyView

CANCELLED = "cancelled by you"


class AIProjection:
    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime

    def handlers(self) -> dict[type[Message], Callable[[Any], Awaitable[None]]]:
        return {
            DesignProposed: self.design_proposed,
            DesignFailed: self.design_failed,
            VocabularyProposed: self.vocabulary_proposed,
            VocabularyFailed: self.vocabulary_failed,
            DesignCancelled: self.design_cancelled,
            VocabularyCancelled: self.vocabulary_cancelled,
        }

    async def _finish(
        self, model: type[AIDesignView] | type[AIVocabularyView], key: Any, changes: dict[str, Any]
    ) -> None:
        async with self.runtime.uow() as uow:
            row: AIDesignView | AIVocabularyView | None = await uow.session.get(model, key, with_for_update=True)
            if row is None or row.status != "pending":
                return
            for name, value in (changes | {"finished_at": utcnow()}).items():
                setattr(row, name, value)
            await uow.commit()

    async def design_proposed(self, event: DesignProposed) -> None:
        tables = [spec.model_dump(mode="json", exclude_none=True) for spec in event.tables]
        changes = {"status": "proposed", "tables": tables, "notes": event.notes}
        await self._finish(AIDesignView, event.design_id, changes | _timing(event.attempts, event.seconds))

    async def design_failed(self, event: DesignFailed) -> None:
        await self._finish(AIDesignView, event.design_id, {"status": "failed", "reason": event.reason})

    async def vocabulary_proposed(self, event: VocabularyProposed) -> None:
        changes = {"status": "proposed", "values": event.values, "weights": event.weights, "notes": event.notes}
        await self._finish(AIVocabularyView, event.vocabulary_id, changes | _timing(event.attempts, event.seconds))

    async def vocabulary_failed(self, event: VocabularyFailed) -> None:
        await self._finish(AIVocabularyView, event.vocabulary_id, {"status": "failed", "reason": event.reason})

    # The API marked the record cancelled already; these keep the state machine total (the AI service's word on
    # a record still pending, should one ever be cancelled by another path).
    async def design_cancelled(self, event: DesignCancelled) -> None:
        await self._finish(AIDesignView, event.design_id, {"status": "cancelled", "reason": CANCELLED})

    async def vocabulary_cancelled(self, event: VocabularyCancelled) -> None:
        await self._finish(AIVocabularyView, event.vocabulary_id, {"status": "cancelled", "reason": CANCELLED})


def _timing(attempts: int, seconds: float) -> dict[str, Any]:
    return {"attempts": attempts, "seconds": seconds}
