"""Structured logs: every line (ours and the libraries') through structlog, as JSON with the service's name
and, while a message is handled, its correlation id, so one job can be followed across all services."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Literal

import structlog
from dmb_contracts.envelope import Message

LogFormat = Literal["json", "console", "auto"]

#: Libraries that are chatty at INFO about things an operator does not act on.
_QUIET = {"aiormq": logging.WARNING, "aio_pika": logging.WARNING, "alembic": logging.WARNING}


def configure_logging(level: str, *, service: str, fmt: LogFormat = "auto") -> None:
    """Route the standard library's logging through structlog (JSON, or readable on a terminal)."""
    json_lines = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _without_color_copy,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, root.level))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


def _without_color_copy(
    _: structlog.types.WrappedLogger, __: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    event.pop("color_message", None)  # uvicorn's terminal-coloured duplicate of the message
    return event


@contextlib.contextmanager
def message_context(queue: str, message: Message) -> Iterator[None]:
    """While a handler runs, every log line carries the message's correlation id (the job, the export...)."""
    correlation = message.correlation_id or message.message_id
    with structlog.contextvars.bound_contextvars(
        correlation_id=str(correlation), message_id=str(message.message_id), message_type=message.type, queue=queue
    ):
        yield
