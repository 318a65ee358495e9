"""Request and response bodies of /api/v1/admin."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from dmb_gateway.accounts import credentials
from dmb_gateway.accounts.schemas import UserPublic

QuotaValue = int | None


class UserCreate(BaseModel):
    email: str = Field(max_length=254)
    password: str | None = Field(
        default=None, max_length=credentials.MAX_PASSWORD, description="None: the user signs in with tokens only."
    )
    is_admin: bool = False


class UserUpdate(BaseModel):
    """Only the fields sent change; a quota sent as null goes back to the operator's default."""

    is_admin: bool | None = None
    disabled: bool | None = None
    quota_rows_per_job: QuotaValue = Field(default=None, ge=1, le=10**12)
    quota_concurrent_jobs: QuotaValue = Field(default=None, ge=1, le=10_000)
    quota_tables: QuotaValue = Field(default=None, ge=1, le=1_000_000)
    quota_export_bytes: QuotaValue = Field(default=None, ge=1, le=10**15)


class PasswordReset(BaseModel):
    password: str | None = Field(
        default=None, max_length=credentials.MAX_PASSWORD, description="None: a random one is made and returned."
    )


class PasswordResetDone(BaseModel):
    password: str | None = Field(description="The new password when the platform made it (shown once).")


class UserAdminView(UserPublic):
    quota_rows_per_job: int | None
    quota_concurrent_jobs: int | None
    quota_tables: int | None
    quota_export_bytes: int | None
    has_password: bool


class UsersAdminView(BaseModel):
    items: list[UserAdminView]
    total: int
    offset: int
    limit: int


class InviteCreate(BaseModel):
    email: str = Field(max_length=254)
    is_admin: bool = False


class InvitePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(validation_alias=AliasChoices("invite_id", "id"))
    email: str
    is_admin: bool
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


class InviteCreated(InvitePublic):
    code: str = Field(description="The invitation code (shown once); the sign-up link carries it.")
    signup_path: str = Field(description="The sign-up page with the code filled in: send it to the person.")


class InvitesPublic(BaseModel):
    items: list[InvitePublic]


class OwnedWork(BaseModel):
    """One table, job or export, with whose it is."""

    id: uuid.UUID
    kind: str
    owner_id: uuid.UUID
    owner_email: str | None
    name: str
    status: str
    detail: str
    created_at: dt.datetime


class OwnedWorkPage(BaseModel):
    items: list[OwnedWork]
    total: int
    offset: int
    limit: int


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(validation_alias=AliasChoices("entry_id", "id"))
    at: dt.datetime
    actor_id: uuid.UUID
    actor_email: str
    action: str
    target: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    total: int
    offset: int
    limit: int
