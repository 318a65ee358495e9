"""The AI service's use case. Until the LangGraph workflow lands, every request is answered with a
failure, which makes the generator fill AI fields with Faker and report the fallback on the job."""

from __future__ import annotations

from dataclasses import dataclass

from dmb_common.runtime import ServiceRuntime
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import AIValuesFailed, AIValuesRequested

from dmb_ai.models import AIRequest

NOT_CONFIGURED = "AI value generation is not configured on this platform yet"


@dataclass
class AIDeps:
    runtime: ServiceRuntime


async def values_requested(event: AIValuesRequested, deps: AIDeps) -> None:
    async with deps.runtime.uow() as uow:
        if not await uow.claim(event):
            return
        uow.session.add(
            AIRequest(
                request_id=event.request_id,
                job_id=event.job_id,
                fields=[f.name for f in event.fields],
                status="failed",
                reason=NOT_CONFIGURED,
                created_at=utcnow(),
            )
        )
        uow.emit(AIValuesFailed(request_id=event.request_id, job_id=event.job_id, reason=NOT_CONFIGURED), event)
        await uow.commit()
