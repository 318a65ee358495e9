"""The rules behind /api/v1/ai: whose model answers a user, and a user's model settings with the key sealed.

The key is sealed by the secret box as soon as it arrives and only ever leaves sealed, inside a command to the
AI service; the API shows whether one is set and, for a long key, its last 4 characters.
"""

from __future__ import annotations

import uuid

from dmb_common.crypto import SecretBox
from dmb_common.endpoints import EndpointGuard
from dmb_contracts.ai_assist import ModelEndpoint
from dmb_contracts.commands import AIOptions
from dmb_contracts.envelope import utcnow
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.api.ai_schemas import AISettingsPublic, AISettingsUpdate
from dmb_gateway.models import AISettings, User
from dmb_gateway.settings import GatewaySettings

#: Shorter keys show no hint: 4 characters of an 8-character key is half of it.
HINT_MIN_LENGTH = 12


def _hint(key: str) -> str | None:
    return key[-4:] if len(key) >= HINT_MIN_LENGTH else None


async def endpoint_for(session: AsyncSession, user: User, settings: GatewaySettings) -> ModelEndpoint | None:
    """The model that answers `user`: their own settings, else the platform's default, else None."""
    own = await session.get(AISettings, user.user_id)
    if own is not None:
        return ModelEndpoint(base_url=own.base_url, model=own.model, api_key_encrypted=own.api_key_encrypted)
    if not settings.ai_default_configured():
        return None
    key = settings.ai_api_key
    sealed = SecretBox(settings.secret_key).seal(key.get_secret_value()) if key is not None else None
    return ModelEndpoint(base_url=settings.ai_base_url, model=settings.ai_model, api_key_encrypted=sealed)


async def job_ai_options(
    session: AsyncSession, user: User, settings: GatewaySettings, given: AIOptions | None = None
) -> AIOptions | None:
    """What a job's AI fields use: the job's own endpoint when it names one, else the user's or the platform's
    (keeping the job's context)."""
    if given is not None and (given.base_url is not None or given.api_key_encrypted is not None):
        return given
    endpoint = await endpoint_for(session, user, settings)
    if endpoint is None:
        return given
    return AIOptions(
        context=given.context if given is not None else "",
        base_url=endpoint.base_url,
        model=endpoint.model,
        api_key_encrypted=endpoint.api_key_encrypted,
    )


async def refuse_unsafe_endpoint(url: str | None, settings: GatewaySettings, location: str) -> None:
    """A 422 at `location` when a user's base URL may not be called (dmb_common.endpoints: scheme, credentials,
    private or metadata addresses); the operator's own default endpoint is theirs to choose."""
    guard = EndpointGuard.of(settings.ai_private_endpoints_allowed(), settings.ai_base_url)
    problem = await guard.problem(url)
    if problem is not None:
        raise RequestValidationError([{"loc": ("body", *location.split(".")), "msg": problem, "type": "value_error"}])


async def settings_public(session: AsyncSession, user: User, settings: GatewaySettings) -> AISettingsPublic:
    own = await session.get(AISettings, user.user_id)
    if own is not None:
        return AISettingsPublic(
            source="user",
            base_url=own.base_url,
            model=own.model,
            api_key_set=own.api_key_encrypted is not None,
            api_key_last4=own.api_key_hint,
        )
    if settings.ai_default_configured():
        # The platform's endpoint may be an internal address: users see its model, not where it runs.
        return AISettingsPublic(source="platform", model=settings.ai_model, api_key_set=settings.ai_api_key is not None)
    return AISettingsPublic(source="none")


async def save_settings(
    session: AsyncSession, user: User, update: AISettingsUpdate, settings: GatewaySettings
) -> AISettings:
    row = await session.get(AISettings, user.user_id)
    if row is None:
        row = AISettings(user_id=user.user_id, model=update.model, updated_at=utcnow())
        session.add(row)
    row.base_url = update.base_url
    row.model = update.model
    row.updated_at = utcnow()
    if update.clear_api_key:
        row.api_key_encrypted = row.api_key_hint = None
    if update.api_key is not None:
        key = update.api_key.get_secret_value().strip()
        row.api_key_encrypted = SecretBox(settings.secret_key).seal(key)
        row.api_key_hint = _hint(key)
    return row


async def forget_settings(session: AsyncSession, user_id: uuid.UUID) -> bool:
    row = await session.get(AISettings, user_id)
    if row is None:
        return False
    await session.delete(row)
    return True
