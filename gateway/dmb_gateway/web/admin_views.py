"""The admin pages under /admin: users and invitations (HTML forms), every owner's tables, jobs and exports
(acted on through the REST API by admin.js), and the audit log. Admins only: others get 403."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from dmb_contracts.envelope import utcnow
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.accounts import credentials
from dmb_gateway.accounts.refusal import Refused
from dmb_gateway.admin.repository import WorkKind, WorkRepository
from dmb_gateway.admin.schemas import UserUpdate
from dmb_gateway.admin.service import QUOTA_FIELDS, AdminService
from dmb_gateway.api.deps import AccountsDep, ContextDep, GatewayContext, OptionalUser, SessionDep
from dmb_gateway.models import User
from dmb_gateway.web.pages import admin_only, check_csrf, render

router = APIRouter(prefix="/admin", include_in_schema=False)
QUOTA_LABELS = dict(zip(QUOTA_FIELDS, ("Rows per job", "Jobs at once", "Tables", "Stored export bytes"), strict=True))
TITLES = {WorkKind.TABLES: "Tables", WorkKind.JOBS: "Jobs", WorkKind.EXPORTS: "Exports"}
OptionalText = Annotated[str | None, Form(max_length=credentials.MAX_PASSWORD)]
Checkbox = Annotated[str | None, Form(max_length=10)]


def _admin(request: Request, context: ContextDep, user: OptionalUser) -> User:
    return admin_only(request, context, user)


AdminPageUser = Annotated[User, Depends(_admin)]


def _page(
    request: Request,
    context: GatewayContext,
    admin: User,
    template: str,
    section: str,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    return render(request, context, template, admin, {"section": section, **values}, status_code)


@router.get("", response_class=HTMLResponse)
async def overview(request: Request, context: ContextDep, session: SessionDep, user: AdminPageUser) -> Response:
    work = WorkRepository(session)
    counts = {kind.value: (await work.page(kind, None, 0, 1))[1] for kind in WorkKind}
    users = await AdminService.count_users(session)
    audit = (await AdminService.audit_page(session, 0, 1))[1]
    return _page(request, context, user, "admin/index.html", "/admin", users=users, audit=audit, **counts)


async def _users_page(
    request: Request,
    context: GatewayContext,
    admin: AdminService,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    users, total = await admin.users(0, 500)
    page = {
        "users": users,
        "total": total,
        "invites": await admin.invites(),
        "now": utcnow().replace(tzinfo=None),
        "min_password": credentials.MIN_PASSWORD,
    }
    return _page(request, context, admin.actor, "admin/users.html", "/admin/users", status_code, **(page | values))


@router.get("/users", response_class=HTMLResponse)
async def users_page(request: Request, context: ContextDep, accounts: AccountsDep, user: AdminPageUser) -> Response:
    return await _users_page(request, context, AdminService(accounts, user))


@router.post("/users", response_class=HTMLResponse)
async def create_user(
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: AdminPageUser,
    email: Annotated[str, Form(max_length=254)],
    password: OptionalText = None,
    is_admin: Checkbox = None,
) -> Response:
    await check_csrf(request, context, user)
    admin = AdminService(accounts, user)
    try:
        created = await admin.create_user(email, password or None, is_admin == "true")
    except Refused as refused:
        await session.rollback()
        return await _users_page(request, context, admin, refused.status, error=refused.message)
    await session.commit()
    return await _users_page(request, context, admin, 201, notice=f"{created.email} can now sign in.")


@router.post("/invites", response_class=HTMLResponse)
async def create_invite(
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: AdminPageUser,
    email: Annotated[str, Form(max_length=254)],
    is_admin: Checkbox = None,
) -> Response:
    await check_csrf(request, context, user)
    admin = AdminService(accounts, user)
    try:
        invite, code = await admin.invite(email, is_admin == "true", context.settings.invite_days)
    except Refused as refused:
        await session.rollback()
        return await _users_page(request, context, admin, refused.status, error=refused.message)
    await session.commit()
    link = {"email": invite.email, "url": str(request.base_url).rstrip("/") + f"/signup?invite={code}"}
    return await _users_page(request, context, admin, 201, invite_link=link)


async def _user_page(
    request: Request,
    context: GatewayContext,
    admin: AdminService,
    user_id: uuid.UUID,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    subject = await admin.user(user_id)
    defaults = {field: getattr(context.settings, field) for field in QUOTA_FIELDS}
    page = {"subject": _as_mapping(subject), "quota_fields": list(QUOTA_LABELS.items()), "defaults": defaults}
    return _page(request, context, admin.actor, "admin/user.html", "/admin/users", status_code, **(page | values))


def _as_mapping(user: User) -> dict[str, Any]:
    fields = ("user_id", "email", "is_admin", "created_at", "disabled_at", "password_hash", *QUOTA_FIELDS)
    return {field: getattr(user, field) for field in fields}


@router.get("/users/{user_id}", response_class=HTMLResponse)
async def user_page(
    user_id: uuid.UUID, request: Request, context: ContextDep, accounts: AccountsDep, user: AdminPageUser
) -> Response:
    try:
        return await _user_page(request, context, AdminService(accounts, user), user_id)
    except Refused as refused:
        return render(request, context, "error.html", user, {"heading": "Not found", "error": refused.message}, 404)


def _quota(value: str | None, field: str) -> int | None:
    text = (value or "").replace(",", "").replace("_", "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise Refused(
            422, f"{QUOTA_LABELS[field]}: a whole number of at least 1, or empty for the default", location=field
        )
    return int(text)


@router.post("/users/{user_id}", response_class=HTMLResponse)
async def update_user(
    user_id: uuid.UUID,
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: AdminPageUser,
    is_admin: Checkbox = None,
    disabled: Checkbox = None,
    quota_rows_per_job: Annotated[str | None, Form(max_length=20)] = None,
    quota_concurrent_jobs: Annotated[str | None, Form(max_length=20)] = None,
    quota_tables: Annotated[str | None, Form(max_length=20)] = None,
    quota_export_bytes: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    await check_csrf(request, context, user)
    admin = AdminService(accounts, user)
    sent = dict(
        zip(QUOTA_FIELDS, (quota_rows_per_job, quota_concurrent_jobs, quota_tables, quota_export_bytes), strict=True)
    )
    try:
        quotas = {field: _quota(value, field) for field, value in sent.items()}
        update = UserUpdate(is_admin=is_admin == "true", disabled=disabled == "true", **quotas)
        await admin.update_user(user_id, update)
    except Refused as refused:
        await session.rollback()
        return await _user_page(request, context, admin, user_id, refused.status, error=refused.message)
    await session.commit()
    return await _user_page(request, context, admin, user_id, notice="Saved.")


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
async def reset_password(
    user_id: uuid.UUID,
    request: Request,
    context: ContextDep,
    accounts: AccountsDep,
    session: SessionDep,
    user: AdminPageUser,
    password: OptionalText = None,
) -> Response:
    await check_csrf(request, context, user)
    admin = AdminService(accounts, user)
    try:
        made = await admin.reset_password(user_id, password or None)
    except Refused as refused:
        await session.rollback()
        return await _user_page(request, context, admin, user_id, refused.status, error=refused.message)
    await session.commit()
    return await _user_page(request, context, admin, user_id, made_password=made, notice="The password is reset.")


async def _work_page(
    kind: WorkKind,
    request: Request,
    context: GatewayContext,
    session: AsyncSession,
    user: User,
    owner: uuid.UUID | None,
) -> Response:
    items, total = await WorkRepository(session).page(kind, owner, 0, 500)
    values: dict[str, Any] = {"kind": kind.value, "title": TITLES[kind], "items": items, "total": total}
    return _page(request, context, user, "admin/work.html", f"/admin/{kind.value}", **values)


@router.get("/tables", response_class=HTMLResponse)
async def tables_page(
    request: Request, context: ContextDep, session: SessionDep, user: AdminPageUser, owner: uuid.UUID | None = None
) -> Response:
    return await _work_page(WorkKind.TABLES, request, context, session, user, owner)


@router.get("/jobs", response_class=HTMLResponse)
async def jobs_page(
    request: Request, context: ContextDep, session: SessionDep, user: AdminPageUser, owner: uuid.UUID | None = None
) -> Response:
    return await _work_page(WorkKind.JOBS, request, context, session, user, owner)


@router.get("/exports", response_class=HTMLResponse)
async def exports_page(
    request: Request, context: ContextDep, session: SessionDep, user: AdminPageUser, owner: uuid.UUID | None = None
) -> Response:
    return await _work_page(WorkKind.EXPORTS, request, context, session, user, owner)


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: AdminPageUser,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    entries, total = await AdminService.audit_page(session, offset, 200)
    return _page(request, context, user, "admin/audit.html", "/admin/audit", entries=entries, total=total)
