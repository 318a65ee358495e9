"""The in-process transport: asyncio queues with the same semantics as the RabbitMQ one.

Used by the embedded mode and unit tests. Messages are serialised on publish, exactly as on the wire, so
a message that would not survive RabbitMQ does not survive here either.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from dmb_contracts.envelope import Message, utcnow
from dmb_contracts.registry import parse_message
from dmb_observability.logs import message_context
from dmb_observability.metrics import observe_handled, observe_published, observe_retry
from pydantic import ValidationError

from dmb_bus.base import DeadLetter, Handler, RetryPolicy, Subscription, UnknownQueue, topic_matches
from dmb_bus.dead_letters import body_message_id, log_dead_letter, unparseable_reason

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Delivery:
    body: bytes
    routing_key: str
    attempt: int = 1


class InProcessBus:
    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
        self._queues: dict[str, asyncio.Queue[_Delivery]] = {}
        self._dead: dict[str, list[DeadLetter]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._busy: set[asyncio.Task[None]] = set()
        self._started = False
        self._closing = False

    def subscribe(
        self,
        queue: str,
        routing_keys: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 10,
        retry: RetryPolicy | None = None,
    ) -> None:
        if self._started:
            raise RuntimeError("subscribe before start()")
        if queue in self._queues:
            raise ValueError(f"queue {queue!r} already has a subscription; give one handler all its routing keys")
        self._subscriptions.append(Subscription(queue, tuple(routing_keys), handler, prefetch, retry or RetryPolicy()))
        self._queues.setdefault(queue, asyncio.Queue())

    async def start(self) -> None:
        self._started = True
        self._closing = False
        for subscription in self._subscriptions:
            for _ in range(subscription.prefetch):
                self._tasks.append(
                    asyncio.create_task(self._consume(subscription), name=f"consume:{subscription.queue}")
                )

    async def publish(self, message: Message) -> None:
        body = message.to_json()
        queues = {s.queue for s in self._subscriptions if any(topic_matches(k, message.type) for k in s.routing_keys)}
        for queue in queues:
            self._queues[queue].put_nowait(_Delivery(body, message.type))
        observe_published(message)

    async def publish_raw(self, routing_key: str, body: bytes) -> None:
        """Put bytes on the bus as a foreign or broken producer would (they may not even parse)."""
        for subscription in self._subscriptions:
            if any(topic_matches(k, routing_key) for k in subscription.routing_keys):
                self._queues[subscription.queue].put_nowait(_Delivery(body, routing_key))

    async def dead_letters(self, queue: str) -> list[DeadLetter]:
        return list(self._dead.get(queue, []))

    async def replay_dead_letters(self, queue: str, letter_ids: Collection[str] | None = None) -> int:
        if queue not in self._queues:
            raise UnknownQueue(queue)
        chosen = self._take_dead(queue, letter_ids)
        for letter in chosen:
            self._queues[queue].put_nowait(_Delivery(letter.body, letter.message_type or ""))
            log.warning("replayed dead letter %s (%s) to %s", letter.letter_id, letter.message_type, queue)
        return len(chosen)

    async def discard_dead_letters(self, queue: str, letter_ids: Collection[str] | None = None) -> int:
        if queue not in self._queues:
            raise UnknownQueue(queue)
        chosen = self._take_dead(queue, letter_ids)
        for letter in chosen:
            log.warning("discarded dead letter %s (%s) of %s", letter.letter_id, letter.message_type, queue)
        return len(chosen)

    def _take_dead(self, queue: str, letter_ids: Collection[str] | None) -> list[DeadLetter]:
        letters = self._dead.get(queue, [])
        chosen = [letter for letter in letters if letter_ids is None or letter.letter_id in letter_ids]
        self._dead[queue] = [letter for letter in letters if letter not in chosen]
        return chosen

    async def queue_depths(self) -> dict[str, tuple[int, int]]:
        return {queue: (waiting.qsize(), len(self._dead.get(queue, []))) for queue, waiting in self._queues.items()}

    @property
    def connected(self) -> bool:
        return self._started

    async def drain(self, within: float = 30.0) -> None:
        """Wait until every queue is empty and no handler or retry is pending (tests, shutdown)."""
        async with asyncio.timeout(within):
            # Polling is fine here: drain is for tests and shutdown, and queues expose no "idle" event.
            while self._timers or any(q._unfinished_tasks for q in self._queues.values()):  # type: ignore[attr-defined]  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    async def close(self, grace: float = 10.0) -> None:
        """Stop taking deliveries, give the handlers under way `grace` seconds to finish, then cancel them.

        Like the RabbitMQ transport: closing used to cancel every handler mid-transaction at once.
        """
        self._closing = True
        for task in self._tasks:
            if task not in self._busy:
                task.cancel()
        if self._busy:
            await asyncio.wait(set(self._busy), timeout=grace)
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._started = False

    async def _consume(self, subscription: Subscription) -> None:
        queue = self._queues[subscription.queue]
        task = asyncio.current_task()
        assert task is not None
        while not self._closing:
            delivery = await queue.get()
            self._busy.add(task)
            try:
                await self._handle(subscription, delivery)
            finally:
                self._busy.discard(task)
                queue.task_done()

    async def _handle(self, subscription: Subscription, delivery: _Delivery) -> None:
        try:
            message = parse_message(delivery.body)
        except ValidationError as exc:
            self._dead_letter(subscription.queue, delivery, unparseable_reason(exc))
            return
        with message_context(subscription.queue, message):
            await self._run(subscription, delivery, message)

    async def _run(self, subscription: Subscription, delivery: _Delivery, message: Message) -> None:
        started = time.perf_counter()
        try:
            await subscription.handler(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            seconds = time.perf_counter() - started
            policy = subscription.retry
            if delivery.attempt >= policy.max_attempts:
                self._dead_letter(subscription.queue, delivery, f"{type(exc).__name__}: {exc}")
                observe_handled(subscription.queue, message, seconds, "dead")
                return
            log.warning(
                "handler for %s failed (attempt %d), retrying", delivery.routing_key, delivery.attempt, exc_info=True
            )
            retry = _Delivery(delivery.body, delivery.routing_key, delivery.attempt + 1)
            self._schedule(subscription.queue, retry, policy.delay(delivery.attempt))
            observe_retry(subscription.queue, message.type)
            observe_handled(subscription.queue, message, seconds, "retry")
            return
        seconds = time.perf_counter() - started
        observe_handled(subscription.queue, message, seconds, "ok")
        log.info("handled %s in %.3f s", message.type, seconds)

    def _schedule(self, queue: str, delivery: _Delivery, delay: float) -> None:
        loop = asyncio.get_running_loop()

        def requeue() -> None:
            self._timers.discard(timer)
            self._queues[queue].put_nowait(delivery)

        timer = loop.call_later(delay, requeue)
        self._timers.add(timer)

    def _dead_letter(self, queue: str, delivery: _Delivery, reason: str) -> None:
        message_id = body_message_id(delivery.body)
        log_dead_letter(queue, delivery.routing_key, message_id, reason)
        self._dead.setdefault(queue, []).append(
            DeadLetter(
                queue=queue,
                body=delivery.body,
                reason=reason,
                attempts=delivery.attempt,
                dead_at=utcnow(),
                message_id=message_id,
                message_type=delivery.routing_key,
            )
        )
