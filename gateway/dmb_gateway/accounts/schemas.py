"""Request and response bodies of the accounts API (/api/v1/auth, /account, /tokens)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

from dmb_gateway.accounts import credentials


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


#: A time read back from the database: SQLite drops the zone of the UTC times we store, and the API (and its
#: OpenAPI `date-time`) promises an offset.
StoredTime = Annotated[dt.datetime, AfterValidator(_utc)]


class SignUp(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=credentials.MAX_PASSWORD)
    invite: str | None = Field(default=None, max_length=100, description="The code of an admin's invitation.")


class SignIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=credentials.MAX_PASSWORD)


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    expires_at: dt.datetime | None = Field(default=None, description="When the token stops working; none: never.")


class TokenSignIn(SignIn, TokenCreate):
    """Sign in with e-mail and password and receive a new API token (what `dmb login` does)."""


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=credentials.MAX_PASSWORD)
    new_password: str = Field(max_length=credentials.MAX_PASSWORD)


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(validation_alias=AliasChoices("token_id", "id"))
    name: str
    prefix: str
    created_at: StoredTime
    expires_at: StoredTime | None
    revoked_at: StoredTime | None
    last_used_at: StoredTime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The token itself: shown this once, only its hash is kept.")

    @classmethod
    def of(cls, token: object, secret: str) -> TokenCreated:
        return cls(**TokenPublic.model_validate(token).model_dump(), token=secret)


class TokensPublic(BaseModel):
    items: list[TokenPublic]


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(validation_alias=AliasChoices("user_id", "id"))
    email: str
    is_admin: bool
    created_at: StoredTime
    disabled_at: StoredTime | None
