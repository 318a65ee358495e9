"""/admin/dead-letters: the admin page for dead letters (it drives /api/v1/dead-letters)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dmb_gateway.api.deps import ContextDep, OptionalUser
from dmb_gateway.web.pages import admin_only, render

router = APIRouter(include_in_schema=False)


@router.get("/admin/dead-letters", response_class=HTMLResponse)
async def dead_letters_page(request: Request, context: ContextDep, user: OptionalUser) -> HTMLResponse:
    admin = admin_only(request, context, user)
    return render(request, context, "admin_dead_letters.html", admin, {"section": "/admin/dead-letters"})
