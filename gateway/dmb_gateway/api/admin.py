"""/api/v1/admin: users (create, invite, role, disable, reset password, quotas), every owner's tables, jobs and
exports, and the audit log. Admins only (403 otherwise); acting on a table, job or export of any owner goes
through the ordinary endpoints, which let admins reach everything by id."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from dmb_gateway.admin.repository import WorkKind, WorkRepository
from dmb_gateway.admin.schemas import (
    AuditEntryPublic,
    AuditPage,
    InviteCreate,
    InviteCreated,
    InvitePublic,
    InvitesPublic,
    OwnedWork,
    OwnedWorkPage,
    PasswordReset,
    PasswordResetDone,
    UserAdminView,
    UserCreate,
    UsersAdminView,
    UserUpdate,
)
from dmb_gateway.admin.service import AdminService
from dmb_gateway.api.deps import AccountsDep, AdminUser, ContextDep, SessionDep
from dmb_gateway.api.shared import errors
from dmb_gateway.models import User

router = APIRouter(prefix="/admin", tags=["admin"])
REFUSALS = errors(401, 403, 404, 409, 422)
Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=500)]


def get_admin(accounts: AccountsDep, admin: AdminUser) -> AdminService:
    return AdminService(accounts, admin)


AdminDep = Annotated[AdminService, Depends(get_admin)]


def user_view(user: User) -> UserAdminView:
    return UserAdminView.model_validate(
        {
            "id": user.user_id,
            "email": user.email,
            "is_admin": user.is_admin,
            "created_at": user.created_at,
            "disabled_at": user.disabled_at,
            "quota_rows_per_job": user.quota_rows_per_job,
            "quota_concurrent_jobs": user.quota_concurrent_jobs,
            "quota_tables": user.quota_tables,
            "quota_export_bytes": user.quota_export_bytes,
            "has_password": user.password_hash is not None,
        }
    )


@router.get("/users", response_model=UsersAdminView, responses=REFUSALS)
async def list_users(admin: AdminDep, offset: Offset = 0, limit: Limit = 100) -> UsersAdminView:
    users, total = await admin.users(offset, limit)
    return UsersAdminView(items=[user_view(u) for u in users], total=total, offset=offset, limit=limit)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserAdminView, responses=REFUSALS)
async def create_user(body: UserCreate, admin: AdminDep, session: SessionDep) -> UserAdminView:
    user = await admin.create_user(body.email, body.password, body.is_admin)
    await session.commit()
    return user_view(user)


@router.get("/users/{user_id}", response_model=UserAdminView, responses=REFUSALS)
async def get_user(user_id: uuid.UUID, admin: AdminDep) -> UserAdminView:
    return user_view(await admin.user(user_id))


@router.patch("/users/{user_id}", response_model=UserAdminView, responses=REFUSALS)
async def update_user(user_id: uuid.UUID, body: UserUpdate, admin: AdminDep, session: SessionDep) -> UserAdminView:
    """Change a user's role, disable or enable them (a disabled user is refused everywhere, sessions and tokens
    alike), or set their quotas (null: back to the operator's default)."""
    user = await admin.update_user(user_id, body)
    await session.commit()
    return user_view(user)


@router.post("/users/{user_id}/password", response_model=PasswordResetDone, responses=REFUSALS)
async def reset_password(
    user_id: uuid.UUID, body: PasswordReset, admin: AdminDep, session: SessionDep
) -> PasswordResetDone:
    """Set a user's password (or have one made, returned once); the user's browser sessions end."""
    made = await admin.reset_password(user_id, body.password)
    await session.commit()
    return PasswordResetDone(password=made)


@router.post("/invites", status_code=status.HTTP_201_CREATED, response_model=InviteCreated, responses=REFUSALS)
async def create_invite(body: InviteCreate, admin: AdminDep, session: SessionDep, context: ContextDep) -> InviteCreated:
    """Invite someone to sign up (DMB_SIGNUP=invite): send them `signup_path` on this platform's address."""
    invite, code = await admin.invite(body.email, body.is_admin, context.settings.invite_days)
    await session.commit()
    public = InvitePublic.model_validate(invite)
    return InviteCreated(**public.model_dump(), code=code, signup_path=f"/signup?invite={code}")


@router.get("/invites", response_model=InvitesPublic, responses=REFUSALS)
async def list_invites(admin: AdminDep) -> InvitesPublic:
    return InvitesPublic(items=[InvitePublic.model_validate(i) for i in await admin.invites()])


async def _work(kind: WorkKind, session: SessionDep, owner: uuid.UUID | None, offset: int, limit: int) -> OwnedWorkPage:
    rows, total = await WorkRepository(session).page(kind, owner, offset, limit)
    items = [OwnedWork(kind=kind.value.removesuffix("s"), **row.__dict__) for row in rows]
    return OwnedWorkPage(items=items, total=total, offset=offset, limit=limit)


@router.get("/tables", response_model=OwnedWorkPage, responses=REFUSALS)
async def every_table(
    _: AdminUser, session: SessionDep, owner: uuid.UUID | None = None, offset: Offset = 0, limit: Limit = 100
) -> OwnedWorkPage:
    """Every owner's tables, newest first (`owner` narrows to one user)."""
    return await _work(WorkKind.TABLES, session, owner, offset, limit)


@router.get("/jobs", response_model=OwnedWorkPage, responses=REFUSALS)
async def every_job(
    _: AdminUser, session: SessionDep, owner: uuid.UUID | None = None, offset: Offset = 0, limit: Limit = 100
) -> OwnedWorkPage:
    """Every owner's jobs, newest first."""
    return await _work(WorkKind.JOBS, session, owner, offset, limit)


@router.get("/exports", response_model=OwnedWorkPage, responses=REFUSALS)
async def every_export(
    _: AdminUser, session: SessionDep, owner: uuid.UUID | None = None, offset: Offset = 0, limit: Limit = 100
) -> OwnedWorkPage:
    """Every owner's exports, newest first."""
    return await _work(WorkKind.EXPORTS, session, owner, offset, limit)


@router.get("/audit", response_model=AuditPage, responses=REFUSALS)
async def audit_log(admin: AdminDep, offset: Offset = 0, limit: Limit = 100) -> AuditPage:
    """What admins did, newest first."""
    entries, total = await admin.repository.audit(offset, limit)
    return AuditPage(
        items=[AuditEntryPublic.model_validate(e) for e in entries], total=total, offset=offset, limit=limit
    )
