"""/docs: the REST API's reference, rendered by Swagger UI from assets vendored in static/vendor."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dmb_gateway.web.views import templates

#: The npm package swagger-ui-dist, pinned; its files are kept byte-for-byte as published.
SWAGGER_UI = "vendor/swagger-ui-dist@5.35.0"
router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> HTMLResponse:
    openapi_url = request.app.openapi_url or "/api/v1/openapi.json"
    return templates.TemplateResponse(request, "docs.html", {"swagger": SWAGGER_UI, "openapi_url": openapi_url})
