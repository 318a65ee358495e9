"""The AI pages: /ai/design (tables from a sentence, reviewed before anything is created) and /settings/ai (the
model that answers you). Both drive /api/v1/ai from static JavaScript; the API key never reaches a page: the
settings page gets only whether one is set and, for a long key, its last 4 characters."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dmb_gateway.api.ai_service import settings_public
from dmb_gateway.api.deps import ContextDep, OptionalUser, SessionDep
from dmb_gateway.web.pages import render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/ai/design", response_class=HTMLResponse)
async def design_page(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    viewer: OptionalUser,
    design: uuid.UUID | None = None,
) -> HTMLResponse:
    user = signed_in(request, viewer)
    model = await settings_public(session, user, context.settings)
    values = {"model": model, "design_id": str(design) if design else ""}
    return render(request, context, "ai_design.html", user, values)


@router.get("/settings/ai", response_class=HTMLResponse)
async def settings_page(
    request: Request, context: ContextDep, session: SessionDep, viewer: OptionalUser
) -> HTMLResponse:
    user = signed_in(request, viewer)
    model = await settings_public(session, user, context.settings)
    return render(request, context, "ai_settings.html", user, {"model": model})
