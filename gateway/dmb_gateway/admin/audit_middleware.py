"""Every change an admin makes to tables, jobs and exports through the REST API goes into the audit log
(admins reach every owner's work by id through the ordinary endpoints; the user and invitation actions of
/api/v1/admin write their own, more detailed entries)."""

from __future__ import annotations

import logging

from dmb_contracts.envelope import utcnow
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dmb_gateway.models import AuditEntry

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Paths whose changes are the admin's own account, or audited where they happen.
NOT_WORK = ("/api/v1/admin", "/api/v1/auth", "/api/v1/account", "/api/v1/tokens")
#: Where the current-user dependency leaves (user id, e-mail) when an admin of the multi-user platform asks.
ACTOR = "admin_actor"


class AdminActionAudit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or not path.startswith("/api/v1/")
            or path.startswith(NOT_WORK)
        ):
            await self.app(scope, receive, send)
            return
        answered: list[int] = []

        async def remember_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered.append(message["status"])
            await send(message)

        await self.app(scope, receive, remember_status)
        actor = scope.get("state", {}).get(ACTOR)
        if actor is None or not answered or answered[0] >= 400:
            return
        context = scope["app"].state.context
        async with context.runtime.sessions() as session:
            session.add(
                AuditEntry(
                    at=utcnow(),
                    actor_id=actor[0],
                    actor_email=actor[1],
                    action=f"api.{scope['method'].lower()}",
                    target=path,
                    detail={"status": answered[0]},
                )
            )
            await session.commit()
