"""Request and response models of /api/v1/ai: designs, vocabularies, a user's model settings."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from dmb_common.endpoints import url_problem
from dmb_contracts.commands import Locale
from dmb_contracts.fields import TableSpec
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from dmb_gateway.accounts.schemas import StoredTime


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DesignCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"sentence": "patients of a Spanish hospital with admissions and diagnoses", "locale": "es_ES"}
            ]
        },
    )

    sentence: Annotated[str, Field(min_length=3, max_length=2000)] = Field(
        description="What the tables are about, in a sentence."
    )
    locale: Locale = "en_US"


class DesignPublic(_Public):
    id: uuid.UUID = Field(validation_alias="design_id")
    status: str = Field(description="pending, proposed, failed or cancelled")
    sentence: str
    locale: str
    tables: list[TableSpec] = Field(
        description="The proposed definitions, parents first: send each to POST /api/v1/tables, in this order, "
        "to create them (nothing is created before)."
    )
    notes: list[str] = Field(description="What was repaired or dropped from the model's answer.")
    reason: str | None = Field(default=None, description="Why the design failed (or that you cancelled it).")
    attempts: int | None = None
    seconds: float | None = None
    created_at: StoredTime
    finished_at: StoredTime | None = None


class DesignsPublic(BaseModel):
    items: list[DesignPublic]


class VocabularyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"table_id": "9b0c1d7e-1111-4c3b-9f6e-000000000001", "field": "name", "locale": "en_US"}]
        },
    )

    table_id: uuid.UUID
    field: Annotated[str, Field(min_length=1, max_length=63)]
    locale: Locale = "en_US"
    context: Annotated[str, Field(max_length=4000)] = Field(
        default="", description="What the data is for, e.g. 'a Spanish film streaming catalogue'."
    )


class VocabularyPublic(_Public):
    id: uuid.UUID = Field(validation_alias="vocabulary_id")
    status: str = Field(description="pending, proposed, failed or cancelled")
    table_id: uuid.UUID
    table_version: int = Field(description="The version of the table the values were proposed for.")
    field: str
    values: list[str | int | float | bool | None]
    weights: list[float] = Field(description="One per value, summing to 1: how common each value is.")
    notes: list[str]
    reason: str | None = None
    attempts: int | None = None
    seconds: float | None = None
    created_at: StoredTime
    finished_at: StoredTime | None = None


def http_url(url: str | None) -> str | None:
    """A base URL as given, without a trailing slash; the rules every user URL meets before any lookup (the
    addresses it resolves to are checked by the handler: dmb_common.endpoints)."""
    if url is None:
        return None
    url = url.strip()
    problem = url_problem(url)
    if problem is not None:
        raise ValueError(problem)
    return url.rstrip("/")


class AISettingsUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # JSON in, as its schema says: `"clear_api_key": "yes"` is refused, not read as true
        json_schema_extra={
            "examples": [{"base_url": "https://api.openai.com/v1", "model": "gpt-4o-mini", "api_key": "sk-..."}]
        },
    )

    base_url: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="An OpenAI-compatible endpoint; unset: OpenAI's."
    )
    model: Annotated[str, Field(min_length=1, max_length=200)]
    api_key: SecretStr | None = Field(
        default=None,
        description="Stored encrypted, never shown again. Unset keeps the key already stored (see clear_api_key).",
    )
    clear_api_key: bool = Field(default=False, description="Remove the stored key (a local server needs none).")

    @field_validator("base_url")
    @classmethod
    def _valid_url(cls, url: str | None) -> str | None:
        return http_url(url)

    @field_validator("api_key")
    @classmethod
    def _plain_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None and (not key.get_secret_value().strip() or len(key.get_secret_value()) > 500):
            raise ValueError("an API key is 1 to 500 characters")
        return key


class AISettingsPublic(BaseModel):
    source: Literal["user", "platform", "none"] = Field(
        description="Whose model designs, vocabularies and jobs use: yours, the platform's default, or none."
    )
    base_url: str | None = None
    model: str | None = None
    api_key_set: bool = False
    api_key_last4: str | None = Field(default=None, description="The key's last 4 characters (long keys only).")
