"""The envelope every message travels in: identity, routing type, causality and ownership."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Self
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Message(BaseModel):
    """Base of every command and event. `type` is also the routing key on the bus.

    Payload fields sit beside the envelope fields (one flat JSON object), so a subscriber reads one
    document; the envelope names are reserved for this class.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str] = "message"

    type: str
    message_id: UUID = Field(default_factory=uuid4)
    schema_version: int = 1
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    correlation_id: UUID | None = Field(default=None, description="The job or request this message belongs to.")
    causation_id: UUID | None = Field(default=None, description="The message that caused this one.")
    producer: str = Field(default="", description="The service that produced the message.")
    owner_id: UUID | None = Field(default=None, description="The user on whose behalf this happens.")

    def follow(self, message: Message) -> Self:
        """This message, marked as caused by `message` (same correlation and owner)."""
        return self.model_copy(
            update={
                "correlation_id": message.correlation_id or message.message_id,
                "causation_id": message.message_id,
                "owner_id": self.owner_id or message.owner_id,
            }
        )

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


class Command(Message):
    """What someone asks a service to do (imperative `type`)."""

    kind: ClassVar[str] = "command"


class Event(Message):
    """What happened (past-tense `type`)."""

    kind: ClassVar[str] = "event"
