"""/api/v1/dead-letters (admins only): the messages each queue gave up on, to read, replay or discard.

The bus library does the browsing (the gateway reaches every service's dead-letter queue through the broker,
never through the services); this router only authorises, looks letters up and shapes the answers.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from dmb_bus.base import DeadLetter, MessageBus, UnknownQueue
from dmb_bus.dead_letters import PLATFORM_QUEUES
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from starlette.convertors import Convertor, register_url_convertor

from dmb_gateway.api.deps import AdminUser, ContextDep
from dmb_gateway.api.shared import errors


class LetterId(Convertor[str]):
    """A letter's id in a path: any segment but `replay`, so /{queue}/replay is only the replay-all route (a GET or
    DELETE there is a 405 that allows POST, not a look-up of a letter called "replay")."""

    regex = "(?!replay$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("letter", LetterId())
router = APIRouter(prefix="/dead-letters", tags=["dead letters"])

ERRORS = errors(
    403, 404, described={403: "The signed-in user is not an admin.", 404: "No such queue, or no such letter in it."}
)


class DeadLetterQueue(BaseModel):
    queue: str
    count: int = Field(description="Dead letters waiting in this queue.")


class DeadLetterQueues(BaseModel):
    queues: list[DeadLetterQueue]


class DeadLetterSummary(BaseModel):
    id: str = Field(description="The message id (or a digest of the body when the producer set none).")
    queue: str
    type: str | None = Field(description="The message type (its routing key), if the producer labelled it.")
    reason: str = Field(description="Why the queue gave up on it.")
    attempts: int
    dead_at: dt.datetime


class DeadLetterDetail(DeadLetterSummary):
    body: str = Field(description="The body as received (UTF-8; undecodable bytes replaced).")
    body_json: Any | None = Field(description="The body parsed as JSON, when it is JSON.")
    headers: dict[str, str]


class DeadLetterList(BaseModel):
    queue: str
    items: list[DeadLetterSummary]


class DeadLetterOutcome(BaseModel):
    queue: str
    replayed: int = 0
    discarded: int = 0


def _known(queue: str) -> str:
    if queue not in PLATFORM_QUEUES:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"No queue named {queue!r}; the queues are {', '.join(PLATFORM_QUEUES)}"
        )
    return queue


def _summary(letter: DeadLetter) -> DeadLetterSummary:
    return DeadLetterSummary(
        id=letter.letter_id,
        queue=letter.queue,
        type=letter.message_type,
        reason=letter.reason,
        attempts=letter.attempts,
        dead_at=letter.dead_at,
    )


def _detail(letter: DeadLetter) -> DeadLetterDetail:
    try:
        parsed: Any | None = json.loads(letter.body)
    except ValueError:
        parsed = None
    return DeadLetterDetail(
        **_summary(letter).model_dump(),
        body=letter.body.decode("utf-8", errors="replace"),
        body_json=parsed,
        headers=dict(letter.headers),
    )


async def _letters(bus: MessageBus, queue: str) -> list[DeadLetter]:
    try:
        return await bus.dead_letters(_known(queue))
    except UnknownQueue:  # declared by no service yet: nothing ever died there
        return []


async def _find(bus: MessageBus, queue: str, letter_id: str) -> DeadLetter:
    for letter in await _letters(bus, queue):
        if letter.letter_id == letter_id:
            return letter
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"No dead letter {letter_id!r} in queue {queue!r}")


@router.get("", response_model=DeadLetterQueues, responses=ERRORS, summary="Dead letters per queue")
async def list_queues(_: AdminUser, context: ContextDep) -> DeadLetterQueues:
    bus = context.runtime.bus
    return DeadLetterQueues(
        queues=[DeadLetterQueue(queue=queue, count=len(await _letters(bus, queue))) for queue in PLATFORM_QUEUES]
    )


@router.get("/{queue}", response_model=DeadLetterList, responses=ERRORS, summary="A queue's dead letters")
async def list_letters(queue: str, _: AdminUser, context: ContextDep) -> DeadLetterList:
    return DeadLetterList(
        queue=queue, items=[_summary(letter) for letter in await _letters(context.runtime.bus, queue)]
    )


@router.get("/{queue}/{letter_id:letter}", response_model=DeadLetterDetail, responses=ERRORS, summary="One dead letter")
async def show_letter(queue: str, letter_id: str, _: AdminUser, context: ContextDep) -> DeadLetterDetail:
    """The letter with its body, headers and the reason it was given up on."""
    return _detail(await _find(context.runtime.bus, queue, letter_id))


async def _apply(bus: MessageBus, queue: str, letter_ids: list[str] | None, *, replay: bool) -> DeadLetterOutcome:
    """Replay or discard; a queue no service has declared yet simply has no letters."""
    known = _known(queue)
    try:
        if replay:
            return DeadLetterOutcome(queue=queue, replayed=await bus.replay_dead_letters(known, letter_ids))
        return DeadLetterOutcome(queue=queue, discarded=await bus.discard_dead_letters(known, letter_ids))
    except UnknownQueue:
        return DeadLetterOutcome(queue=queue)


def _found(outcome: DeadLetterOutcome, letter_id: str) -> DeadLetterOutcome:
    if outcome.replayed + outcome.discarded == 0:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No dead letter {letter_id!r} in queue {outcome.queue!r}")
    return outcome


@router.post("/{queue}/replay", response_model=DeadLetterOutcome, responses=ERRORS, summary="Replay all")
async def replay_all(queue: str, _: AdminUser, context: ContextDep) -> DeadLetterOutcome:
    """Put every dead letter of the queue back on it, with a fresh retry count (fix the cause first)."""
    return await _apply(context.runtime.bus, queue, None, replay=True)


@router.post(
    "/{queue}/{letter_id:letter}/replay", response_model=DeadLetterOutcome, responses=ERRORS, summary="Replay one"
)
async def replay_one(queue: str, letter_id: str, _: AdminUser, context: ContextDep) -> DeadLetterOutcome:
    """Put one dead letter back on its queue, with a fresh retry count."""
    return _found(await _apply(context.runtime.bus, queue, [letter_id], replay=True), letter_id)


@router.delete("/{queue}", response_model=DeadLetterOutcome, responses=ERRORS, summary="Discard all")
async def discard_all(queue: str, _: AdminUser, context: ContextDep) -> DeadLetterOutcome:
    """Delete every dead letter of the queue for good."""
    return await _apply(context.runtime.bus, queue, None, replay=False)


@router.delete("/{queue}/{letter_id:letter}", response_model=DeadLetterOutcome, responses=ERRORS, summary="Discard one")
async def discard_one(queue: str, letter_id: str, _: AdminUser, context: ContextDep) -> DeadLetterOutcome:
    """Delete one dead letter for good."""
    return _found(await _apply(context.runtime.bus, queue, [letter_id], replay=False), letter_id)
