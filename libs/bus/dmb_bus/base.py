"""The bus interface every service codes against; transports implement it."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import operator
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dmb_contracts.envelope import Message

Handler = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failing handler is retried, with exponential back-off, before dead-lettering."""

    max_attempts: int = 5
    first_delay: float = 0.5
    factor: float = 4.0
    max_delay: float = 60.0

    def __post_init__(self) -> None:
        # Refused here, at subscribe time, rather than as a negative TTL the broker rejects at start-up.
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.first_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")
        if self.factor < 1:
            raise ValueError(f"factor must be at least 1 (back-off never shrinks), got {self.factor}")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt + 1` (attempt counts from 1)."""
        if attempt < 1:
            raise ValueError(f"attempts count from 1, got {attempt}")
        try:
            return min(self.first_delay * self.factor ** (attempt - 1), self.max_delay)
        except OverflowError:  # a float power overflows long before any sane attempt count, but not never
            return self.max_delay

    def delays(self) -> list[float]:
        """The distinct back-offs this policy uses, in order (one per retry, capped ones shared)."""
        return sorted({self.delay(attempt) for attempt in range(1, self.max_attempts)})


@dataclass(frozen=True)
class Subscription:
    queue: str
    routing_keys: tuple[str, ...]
    handler: Handler
    prefetch: int = 10
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class DeadLetter:
    """A message a queue gave up on, with why."""

    queue: str
    body: bytes
    reason: str
    attempts: int
    dead_at: dt.datetime
    #: The envelope's message id when the producer set one (a foreign or broken producer may not have).
    message_id: str | None = None
    #: The message type (= routing key) as the producer labelled it, if it did.
    message_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def letter_id(self) -> str:
        """How an admin names this letter: its message id, else a digest of its body (stable across looks)."""
        return self.message_id or hashlib.sha256(self.body).hexdigest()[:32]


class UnknownQueue(LookupError):
    """A dead-letter operation named a queue this bus cannot reach."""


class MessageBus(Protocol):
    """Publish messages; consume them on named queues bound to routing-key patterns (AMQP topic rules)."""

    def subscribe(
        self,
        queue: str,
        routing_keys: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 10,
        retry: RetryPolicy | None = None,
    ) -> None: ...

    async def start(self) -> None: ...

    async def publish(self, message: Message) -> None: ...

    async def dead_letters(self, queue: str) -> list[DeadLetter]: ...

    async def replay_dead_letters(self, queue: str, letter_ids: Collection[str] | None = None) -> int:
        """Put dead letters (all of the queue's when `letter_ids` is None) back on their queue, with a fresh
        retry count; returns how many went back."""
        ...

    async def discard_dead_letters(self, queue: str, letter_ids: Collection[str] | None = None) -> int:
        """Delete dead letters for good (all of the queue's when `letter_ids` is None); returns how many."""
        ...

    async def queue_depths(self) -> dict[str, tuple[int, int]]:
        """Queue → (messages ready, dead letters), for the queues this bus consumes."""
        ...

    @property
    def connected(self) -> bool:
        """Whether the transport can publish and consume right now (readiness)."""
        ...

    async def close(self, grace: float = 10.0) -> None:
        """Stop consuming; handlers under way get `grace` seconds to finish, then are cancelled."""
        ...


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more words (as RabbitMQ routes)."""
    words = _words(routing_key)
    # matched[j]: the pattern words seen so far match the first j words of the key. One pass per pattern
    # word keeps this linear in both lengths; the former recursion was exponential in the number of `#`s.
    matched = [True] + [False] * len(words)
    for part in _words(pattern):
        if part == "#":
            matched = list(itertools.accumulate(matched, operator.or_))
        else:
            matched = [False] + [matched[j] and part in ("*", words[j]) for j in range(len(words))]
    return matched[-1]


def _words(key: str) -> list[str]:
    # RabbitMQ splits an empty key into no words at all (so `#` matches it and `*` does not).
    return key.split(".") if key else []
