"""/admin/dead-letters: the admin page for dead letters (it drives /api/v1/dead-letters)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from dmb_gateway.api.dead_letters import AdminUser

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/admin/dead-letters", response_class=HTMLResponse)
async def dead_letters_page(request: Request, user: AdminUser) -> HTMLResponse:
    # The CSRF token is the session's once the web UI has sign-in (see base.html); empty until then.
    csrf_token = getattr(request.state, "csrf_token", "")
    return templates.TemplateResponse(request, "admin_dead_letters.html", {"user": user, "csrf_token": csrf_token})
