"""What both transports do the same way around dead letters: which queues the platform has, how a
dead-lettering is logged, and a reason that never carries the message body."""

from __future__ import annotations

import json
import logging

from dmb_observability.metrics import observe_dead_letter
from pydantic import ValidationError

log = logging.getLogger("dmb_bus.dead_letters")

#: Every queue the platform's services consume (each has a `.dead` queue). The gateway browses them by
#: name: AMQP has no way to list queues, and the gateway must not import the services to ask them.
PLATFORM_QUEUES: tuple[str, ...] = ("schema", "generator", "generator.chunks", "ai", "exporter", "gateway")


def unparseable_reason(exc: ValidationError) -> str:
    """Why a message could not be read: the first error's place and message, without the offending input
    (pydantic's error carries it, and it may be a secret)."""
    first = exc.errors(include_input=False, include_url=False)[:1]
    where = ".".join(str(part) for part in first[0]["loc"]) if first else ""
    what = first[0]["msg"] if first else str(exc.title)
    return f"unparseable message: {where + ': ' if where else ''}{what}"[:1000]


def log_dead_letter(queue: str, message_type: str | None, message_id: str | None, reason: str) -> None:
    """One line per dead-lettered message, never the body (it may hold an encrypted key or user data)."""
    observe_dead_letter(queue)
    log.error(
        "dead-lettered a %s message %s on %s: %s",
        message_type or "untyped",
        message_id or "(no message id)",
        queue,
        reason,
        extra={"queue": queue, "message_type": message_type, "message_id": message_id, "reason": reason},
    )


def body_message_id(body: bytes) -> str | None:
    """The envelope's message id read from a body that may not parse (a foreign producer's, a broken one)."""
    try:
        found = json.loads(body).get("message_id")
    except (ValueError, AttributeError):
        return None
    return str(found) if found is not None else None
