"""The gateway application: REST API, web UI, and (in embedded mode) every other service in-process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from dmb_bus.base import MessageBus
from dmb_bus.factory import create_bus
from dmb_common.datasets import create_datasets_engine
from dmb_common.runtime import RunningService, Service, build_runtime, subscribe_handlers
from dmb_common.settings import BaseServiceSettings, build_object_store
from fastapi import FastAPI

from dmb_gateway import operations, security
from dmb_gateway.accounts import refusal
from dmb_gateway.accounts.throttle import LoginThrottle
from dmb_gateway.admin.audit_middleware import AdminActionAudit
from dmb_gateway.ai_projection import AIProjection
from dmb_gateway.api import (
    accounts,
    admin,
    admission,
    ai,
    catalogue,
    dead_letters,
    errors,
    exports,
    jobs,
    openapi,
    previews,
    table_import,
    table_migrations,
    table_rows,
    table_sets,
    table_versions,
    tables,
)
from dmb_gateway.api.deps import GatewayContext
from dmb_gateway.auth import ensure_local_user
from dmb_gateway.changes import Changes
from dmb_gateway.models import Base
from dmb_gateway.projection import Projection
from dmb_gateway.settings import AuthMode, GatewaySettings
from dmb_gateway.web import account_views, admin_views, ai_views, dead_letters_page, docs, pages, views

log = logging.getLogger(__name__)

NAME = "gateway"
MIGRATIONS = Path(__file__).parent / "migrations"
ServiceBuilder = Callable[[BaseServiceSettings, MessageBus], Awaitable[Service]]


async def build_gateway(settings: GatewaySettings, bus: MessageBus) -> tuple[RunningService, GatewayContext]:
    runtime = await build_runtime(NAME, settings.service_database_url(NAME), Base.metadata, MIGRATIONS, bus)
    if settings.auth_mode is AuthMode.LOCAL:
        async with runtime.sessions() as session:
            await ensure_local_user(session)
    changes = Changes()
    projections = Projection(runtime, changes).handlers() | AIProjection(runtime).handlers()
    subscribe_handlers(bus, NAME, projections, prefetch=1)
    throttle = LoginThrottle(
        settings.login_limit_per_account,
        settings.login_limit_per_address,
        settings.rate_limit_storage,
        settings.signup_limit_per_address,
        settings.token_limit_per_address,
    )
    datasets = create_datasets_engine(settings.resolved_datasets_url())
    context = GatewayContext(
        settings=settings,
        runtime=runtime,
        store=build_object_store(settings),
        throttle=throttle,
        datasets=datasets,
        changes=changes,
    )
    return RunningService(NAME, runtime, engines=[datasets]), context


def create_app(settings: GatewaySettings, embedded: Sequence[ServiceBuilder] = ()) -> FastAPI:
    """The ASGI app. `embedded` builds other services into this process, sharing its bus."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus = create_bus(settings.bus_url, settings.bus_namespace, connection_name=NAME)
        services: list[Service] = [await build(settings, bus) for build in embedded]
        gateway, context = await build_gateway(settings, bus)
        services.append(gateway)
        await bus.start()
        for service in services:
            await service.start()
        app.state.context = context
        app.state.bus = bus
        log.info("gateway ready with %s", ", ".join(s.name for s in services))
        try:
            yield
        finally:
            await bus.close()
            for service in reversed(services):
                await service.stop()

    app = FastAPI(
        title="Dynamic Model Builder",
        version="0.1.0",
        description="Design tables, fill them with realistic data, export professional workbooks.",
        lifespan=lifespan,
        docs_url=None,  # web.docs serves it from vendored assets
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    errors.install(app)
    openapi.install(app)
    security.install(app, settings)
    refusal.install(app)
    app.add_exception_handler(pages.PageRefusal, pages.page_refusal_response)
    admission.install(
        app,
        limit=settings.max_concurrent_requests,
        queue_seconds=settings.request_queue_seconds,
        retry_after=settings.busy_retry_after_seconds,
    )
    # table_import first: its fixed paths (/tables/import...) must win over /tables/{table_id} patterns.
    for router in (
        table_import.router,
        table_sets.router,
        previews.router,
        catalogue.router,
        catalogue.starters_router,
        table_rows.router,
        tables.router,
        table_migrations.router,
        table_versions.router,
        jobs.router,
        exports.router,
        ai.router,
    ):
        app.include_router(router, prefix="/api/v1")
    app.include_router(accounts.router, prefix="/api/v1")
    app.include_router(admin.router, prefix="/api/v1")
    app.include_router(dead_letters.router, prefix="/api/v1")
    app.add_middleware(AdminActionAudit)
    app.include_router(views.router)
    app.include_router(docs.router)
    app.include_router(account_views.router)
    app.include_router(ai_views.router)
    app.include_router(admin_views.router)
    app.include_router(dead_letters_page.router)
    views.mount_static(app)
    app.add_api_route("/healthz", partial(_health), methods=["GET"], include_in_schema=False)
    app.include_router(operations.router)
    app.add_middleware(operations.HttpMetrics)
    return app


async def _health() -> dict[str, str]:
    return {"status": "ok"}
