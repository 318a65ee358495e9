"""The web UI: one page that drives the REST API (the same API the CLI and scripts use)."""

from __future__ import annotations

from pathlib import Path

from dmb_contracts.commands import MAX_ROWS_PER_JOB, MAX_SEED, ExportFormat
from dmb_contracts.fields import StorageType
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from dmb_gateway.api.deps import ContextDep, OptionalUser
from dmb_gateway.web.pages import redirect, render

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, context: ContextDep, user: OptionalUser) -> Response:
    if user is None:
        return redirect("/login")
    return render(
        request,
        context,
        "index.html",
        user,
        {
            "types": [t.value for t in StorageType],
            "formats": [f.value for f in ExportFormat],
            "max_rows": MAX_ROWS_PER_JOB,
            "max_seed": MAX_SEED,
        },
    )


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
