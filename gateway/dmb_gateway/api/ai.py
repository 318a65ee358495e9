"""/api/v1/ai: table designs from a sentence, vocabularies for a column, and the user's own model settings.

Designs and vocabularies are proposals made by the AI service (minutes on a CPU model): POST answers 202 with
a pending record, GET shows it proposed (or failed, with the reason). Nothing changes until the user sends a
proposal to the table endpoints. Every record is its owner's: anyone else gets a 404.

Cancel marks a pending record `cancelled` at once and tells the AI service to stop its model calls. Unlike a
job's cancel it need not wait for the service's verdict: a proposal changes nothing until applied, so the
gateway's word is final, and a proposal or failure that arrives later is ignored (the projection moves only
pending records).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from dmb_contracts.ai_assist import (
    CancelDesign,
    CancelVocabulary,
    RequestDesign,
    RequestVocabulary,
    vocabulary_problem,
)
from dmb_contracts.envelope import utcnow
from fastapi import APIRouter, HTTPException, Response, status
from fastapi.exceptions import RequestValidationError

from dmb_gateway.ai_projection import CANCELLED
from dmb_gateway.api.ai_schemas import (
    AISettingsPublic,
    AISettingsUpdate,
    DesignCreate,
    DesignPublic,
    DesignsPublic,
    VocabularyCreate,
    VocabularyPublic,
)
from dmb_gateway.api.ai_service import (
    endpoint_for,
    forget_settings,
    refuse_unsafe_endpoint,
    save_settings,
    settings_public,
)
from dmb_gateway.api.deps import ContextDep, CurrentUser, GatewayContext, SessionDep
from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.shared import ERRORS, created_table
from dmb_gateway.models import AIDesignView, AIVocabularyView, User

router = APIRouter(prefix="/ai", tags=["ai"])

NO_MODEL = (
    "No AI model is configured: set yours with PUT /api/v1/ai/settings (`dmb ai settings`), "
    "or ask the operator to set a default"
)
LISTED = 50


def _invalid(location: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", location), "msg": message, "type": "value_error"}])


@router.post("/designs", status_code=status.HTTP_202_ACCEPTED, response_model=DesignPublic, responses=ERRORS)
async def request_design(body: DesignCreate, user: CurrentUser, context: ContextDep) -> AIDesignView:
    """Ask the AI for table definitions (fields, types, constraints, generators, foreign keys) for what the
    sentence describes. Poll GET /api/v1/ai/designs/{id} until `status` is `proposed` or `failed`."""
    async with context.runtime.uow() as uow:
        endpoint = await endpoint_for(uow.session, user, context.settings)
        if endpoint is None:
            raise HTTPException(status.HTTP_409_CONFLICT, NO_MODEL)
        view = AIDesignView(
            design_id=uuid.uuid4(),
            owner_id=user.user_id,
            sentence=body.sentence,
            locale=body.locale,
            status="pending",
            tables=[],
            notes=[],
            created_at=utcnow(),
        )
        uow.session.add(view)
        uow.emit(
            RequestDesign(
                design_id=view.design_id,
                sentence=body.sentence,
                locale=body.locale,
                endpoint=endpoint,
                owner_id=user.user_id,
                correlation_id=view.design_id,
            )
        )
        await uow.commit()
    return view


@router.get("/designs", response_model=DesignsPublic)
async def list_designs(user: CurrentUser, session: SessionDep) -> DesignsPublic:
    """Your latest designs, newest first."""
    rows = await session.scalars(
        sa.select(AIDesignView)
        .where(AIDesignView.owner_id == user.user_id)
        .order_by(AIDesignView.created_at.desc())
        .limit(LISTED)
    )
    return DesignsPublic(items=[DesignPublic.model_validate(row) for row in rows])


@router.get("/designs/{design_id}", response_model=DesignPublic, responses=ERRORS)
async def get_design(design_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> AIDesignView:
    return await get_owned(session, AIDesignView, design_id, user, "design")


@router.post(
    "/designs/{design_id}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=DesignPublic, responses=ERRORS
)
async def cancel_design(design_id: uuid.UUID, user: CurrentUser, context: ContextDep) -> AIDesignView:
    """Stop the AI's work on a pending design: 202 with status `cancelled` (final: a proposal that arrives later
    is ignored), 409 when it is already proposed, failed or cancelled."""
    return await _cancel(
        context,
        AIDesignView,
        design_id,
        user,
        "design",
        lambda owner: CancelDesign(design_id=design_id, owner_id=owner, correlation_id=design_id),
    )


@router.post("/vocabularies", status_code=status.HTTP_202_ACCEPTED, response_model=VocabularyPublic, responses=ERRORS)
async def request_vocabulary(body: VocabularyCreate, user: CurrentUser, context: ContextDep) -> AIVocabularyView:
    """Ask the AI for the values a text field takes, with weights ("Suggest values"). Apply a proposal by
    altering the table with a `choices` generator of these values and weights."""
    async with context.runtime.uow() as uow:
        table, spec = await created_table(uow.session, body.table_id, user)
        field = next((candidate for candidate in spec.fields if candidate.name == body.field), None)
        if field is None:
            raise _invalid("field", f"{body.field!r} is not a field of table {spec.table_name!r}")
        problem = vocabulary_problem(field)
        if problem is not None:
            raise _invalid("field", problem)
        endpoint = await endpoint_for(uow.session, user, context.settings)
        if endpoint is None:
            raise HTTPException(status.HTTP_409_CONFLICT, NO_MODEL)
        view = AIVocabularyView(
            vocabulary_id=uuid.uuid4(),
            owner_id=user.user_id,
            table_id=table.table_id,
            table_version=table.version,
            field=field.name,
            status="pending",
            values=[],
            weights=[],
            notes=[],
            created_at=utcnow(),
        )
        uow.session.add(view)
        uow.emit(
            RequestVocabulary(
                vocabulary_id=view.vocabulary_id,
                table=spec,
                field=field.name,
                locale=body.locale,
                context=body.context,
                endpoint=endpoint,
                owner_id=user.user_id,
                correlation_id=view.vocabulary_id,
            )
        )
        await uow.commit()
    return view


@router.get("/vocabularies/{vocabulary_id}", response_model=VocabularyPublic, responses=ERRORS)
async def get_vocabulary(vocabulary_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> AIVocabularyView:
    return await get_owned(session, AIVocabularyView, vocabulary_id, user, "vocabulary")


@router.post(
    "/vocabularies/{vocabulary_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=VocabularyPublic,
    responses=ERRORS,
)
async def cancel_vocabulary(vocabulary_id: uuid.UUID, user: CurrentUser, context: ContextDep) -> AIVocabularyView:
    """Stop the AI's work on a pending vocabulary: as for designs, 202 `cancelled` or 409 when already finished."""
    return await _cancel(
        context,
        AIVocabularyView,
        vocabulary_id,
        user,
        "vocabulary",
        lambda owner: CancelVocabulary(vocabulary_id=vocabulary_id, owner_id=owner, correlation_id=vocabulary_id),
    )


_View = TypeVar("_View", AIDesignView, AIVocabularyView)


async def _cancel(
    context: GatewayContext,
    model: type[_View],
    key: uuid.UUID,
    user: User,
    what: str,
    command: Callable[[uuid.UUID], CancelDesign | CancelVocabulary],
) -> _View:
    """Marks a pending record cancelled and tells the AI service (the command made for the record's owner, who
    may not be the admin cancelling it), in one transaction; 409 when it is already finished."""
    async with context.runtime.uow() as uow:
        view = await get_owned(uow.session, model, key, user, what, lock=True)
        if view.status != "pending":
            raise HTTPException(status.HTTP_409_CONFLICT, f"{what.capitalize()} {key} is already {view.status}")
        view.status, view.reason, view.finished_at = "cancelled", CANCELLED, utcnow()
        uow.emit(command(view.owner_id))
        await uow.commit()
    return view


@router.get("/settings", response_model=AISettingsPublic)
async def get_settings(user: CurrentUser, context: ContextDep, session: SessionDep) -> AISettingsPublic:
    """Which model answers you. The key is never shown: only whether one is set and, for a long key, its
    last 4 characters."""
    return await settings_public(session, user, context.settings)


@router.put("/settings", response_model=AISettingsPublic, responses=ERRORS)
async def put_settings(body: AISettingsUpdate, user: CurrentUser, context: ContextDep) -> AISettingsPublic:
    """Use your own OpenAI-compatible model for designs, vocabularies and jobs. The key is stored encrypted."""
    await refuse_unsafe_endpoint(body.base_url, context.settings, "base_url")
    async with context.runtime.uow() as uow:
        await save_settings(uow.session, user, body, context.settings)
        await uow.commit()
        return await settings_public(uow.session, user, context.settings)


@router.delete("/settings", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_settings(user: CurrentUser, context: ContextDep) -> Response:
    """Forget your model settings and key; the platform's default (if any) answers you again."""
    async with context.runtime.uow() as uow:
        if not await forget_settings(uow.session, user.user_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "You have no AI settings of your own")
        await uow.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
