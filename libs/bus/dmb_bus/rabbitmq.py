"""The RabbitMQ transport (aio-pika), the reliable way.

Topology per subscribed queue Q, under a namespace N:
  N.events            durable topic exchange every message is published to (routing key = message type)
  N.Q                 durable quorum queue bound to Q's routing keys; x-delivery-limit dead-letters a
                      message whose consumer keeps crashing before it can ack
  N.Q.retry.<ms>ms    one delay queue per back-off (TTL = that many milliseconds), dead-lettering back into N.Q
  N.Q.dead            the dead-letter queue, kept until an admin looks
A handler's failure is not a requeue: the message is re-published to the next retry queue (or the dead
queue, with the reason) under publisher confirms, and only then acked, so nothing is lost in between.

Queue arguments must never depend on settings a service may change: RabbitMQ refuses to re-declare a
queue with other arguments (PRECONDITION_FAILED), so the service would no longer start. Hence retry queues
are named after their delay, and the crash limit is a constant.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from dmb_contracts.envelope import Message, utcnow
from dmb_contracts.registry import parse_message
from dmb_observability.logs import message_context
from dmb_observability.metrics import observe_handled, observe_published, observe_retry
from pydantic import ValidationError

from dmb_bus.base import DeadLetter, Handler, RetryPolicy, Subscription, UnknownQueue
from dmb_bus.dead_letters import body_message_id, log_dead_letter, unparseable_reason

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-dmb-attempt"
REASON_HEADER = "x-dmb-dead-reason"
QUEUE_HEADER = "x-dmb-queue"
REPLAYED_HEADER = "x-dmb-replayed"

#: How often a message may be handed to a consumer that dies before acking it, before it is dead-lettered.
#: Handler failures do not count: they are acked and re-published as a new message (see `_forward`).
CRASH_DELIVERY_LIMIT = 7

#: Headers the broker sets on a delivery; stale on a copy we re-publish.
_BROKER_HEADERS = ("x-delivery-count",)


class RabbitMQBus:
    def __init__(self, url: str, namespace: str = "dmb", *, connection_name: str = "dmb") -> None:
        self._url = url
        self._namespace = namespace
        self._connection_name = connection_name
        self._subscriptions: list[Subscription] = []
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._consumer_channels: list[AbstractChannel] = []
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def exchange_name(self) -> str:
        return f"{self._namespace}.events"

    def queue_name(self, queue: str) -> str:
        return f"{self._namespace}.{queue}"

    def retry_queue_name(self, queue: str, delay: float) -> str:
        return f"{self.queue_name(queue)}.retry.{round(delay * 1000)}ms"

    def subscribe(
        self,
        queue: str,
        routing_keys: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 10,
        retry: RetryPolicy | None = None,
    ) -> None:
        if self._connection is not None:
            raise RuntimeError("subscribe before start()")
        if any(s.queue == queue for s in self._subscriptions):
            raise ValueError(f"queue {queue!r} already has a subscription; give one handler all its routing keys")
        self._subscriptions.append(Subscription(queue, tuple(routing_keys), handler, prefetch, retry or RetryPolicy()))

    async def start(self) -> None:
        self._closing = False
        self._connection = await aio_pika.connect_robust(
            self._url, client_properties={"connection_name": self._connection_name}
        )
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._declare_exchange(self._publish_channel)
        for subscription in self._subscriptions:
            await self._start_consumer(subscription)

    async def _declare_exchange(self, channel: AbstractChannel) -> AbstractExchange:
        return await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)

    async def _start_consumer(self, subscription: Subscription) -> None:
        assert self._connection is not None
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=subscription.prefetch)
        exchange = await self._declare_exchange(channel)
        name = self.queue_name(subscription.queue)
        dead = f"{name}.dead"
        await channel.declare_queue(dead, durable=True, arguments={"x-queue-type": "quorum"})
        queue = await channel.declare_queue(
            name,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                # Crash loops (the consumer dies before acking) end here too, not just handler errors.
                # Was max_attempts + 2: changing a RetryPolicy then made the queue impossible to re-declare.
                "x-delivery-limit": CRASH_DELIVERY_LIMIT,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": dead,
            },
        )
        # Named after the delay, not the attempt number (was N.Q.retry.K with TTL = delay(K)): a changed
        # back-off then declares new queues instead of clashing with the old TTLs.
        for delay in subscription.retry.delays():
            await channel.declare_queue(
                self.retry_queue_name(subscription.queue, delay),
                durable=True,
                arguments={
                    "x-message-ttl": round(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": name,
                },
            )
        for key in subscription.routing_keys:
            await queue.bind(exchange, routing_key=key)

        async def on_message(incoming: AbstractIncomingMessage) -> None:
            if self._closing:
                return  # arrived between close() and the cancel: left unacked, the broker redelivers it
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.add(task)
            try:
                await self._deliver(channel, subscription, incoming)
            except Exception:
                # Anything that escapes (a refused re-publish, a broken header...) used to leave the message
                # unacked on a live channel: stuck for good, and with prefetch=1 the whole queue with it.
                # Handing it back counts against the delivery limit, so a message that always fails here
                # still ends in the dead-letter queue.
                log.exception("could not settle a %s message; returning it to the queue", incoming.type)
                with contextlib.suppress(Exception):
                    await incoming.nack(requeue=True)
            finally:
                if task is not None:
                    self._in_flight.discard(task)

        tag = await queue.consume(on_message, no_ack=False)
        self._consumers.append((queue, tag))
        self._consumer_channels.append(channel)

    async def _deliver(
        self, channel: AbstractChannel, subscription: Subscription, incoming: AbstractIncomingMessage
    ) -> None:
        headers: dict[str, Any] = {k: v for k, v in (incoming.headers or {}).items() if k not in _BROKER_HEADERS}
        attempt = _attempt(headers.get(ATTEMPT_HEADER), default=1)
        if _attempt((incoming.headers or {}).get("x-delivery-count"), default=0) >= CRASH_DELIVERY_LIMIT:
            # The broker dead-letters this message itself if this delivery dies too, and nobody would hear.
            log.error(
                "a %s message %s on %s is on its last delivery: consumers died %d times holding it; "
                "if this one dies too the broker dead-letters it",
                incoming.type,
                incoming.message_id,
                subscription.queue,
                CRASH_DELIVERY_LIMIT,
            )
        name = self.queue_name(subscription.queue)
        try:
            message = parse_message(incoming.body)
        except ValidationError as exc:
            reason = unparseable_reason(exc)
            await self._forward(
                channel, incoming, f"{name}.dead", headers | {REASON_HEADER: reason, ATTEMPT_HEADER: attempt}
            )
            log_dead_letter(
                subscription.queue,
                incoming.type or incoming.routing_key,
                incoming.message_id or body_message_id(incoming.body),
                reason,
            )
            return
        with message_context(subscription.queue, message):
            await self._handle(channel, subscription, incoming, message, headers, attempt)

    async def _handle(
        self,
        channel: AbstractChannel,
        subscription: Subscription,
        incoming: AbstractIncomingMessage,
        message: Message,
        headers: dict[str, Any],
        attempt: int,
    ) -> None:
        name = self.queue_name(subscription.queue)
        started = time.perf_counter()
        try:
            await subscription.handler(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            seconds = time.perf_counter() - started
            if attempt >= subscription.retry.max_attempts:
                reason = f"{type(exc).__name__}: {exc}"[:1000]
                await self._forward(
                    channel, incoming, f"{name}.dead", headers | {REASON_HEADER: reason, ATTEMPT_HEADER: attempt}
                )
                log_dead_letter(subscription.queue, message.type, str(message.message_id), reason)
                observe_handled(subscription.queue, message, seconds, "dead")
            else:
                log.warning("handler for %s failed (attempt %d), retrying", message.type, attempt, exc_info=True)
                retry_queue = self.retry_queue_name(subscription.queue, subscription.retry.delay(attempt))
                await self._forward(channel, incoming, retry_queue, headers | {ATTEMPT_HEADER: attempt + 1})
                observe_retry(subscription.queue, message.type)
                observe_handled(subscription.queue, message, seconds, "retry")
            return
        await incoming.ack()
        seconds = time.perf_counter() - started
        observe_handled(subscription.queue, message, seconds, "ok")
        log.info("handled %s in %.3f s", message.type, seconds)

    async def _forward(
        self, channel: AbstractChannel, incoming: AbstractIncomingMessage, queue: str, headers: dict[str, Any]
    ) -> None:
        """Re-publish to `queue` through the default exchange (confirmed), then ack the original."""
        copy = aio_pika.Message(
            incoming.body,
            headers=headers | {QUEUE_HEADER: self._queue_of(queue)},
            content_type=incoming.content_type,
            message_id=incoming.message_id,
            correlation_id=incoming.correlation_id,
            type=incoming.type,
            timestamp=utcnow(),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        confirmation = await channel.default_exchange.publish(copy, routing_key=queue)
        if not isinstance(confirmation, aiormq.spec.Basic.Ack):
            # Returned unroutable (the queue is gone): acking now would lose the message.
            raise RuntimeError(f"the broker could not route the message to {queue}")
        await incoming.ack()

    def _queue_of(self, physical: str) -> str:
        base = physical.removeprefix(f"{self._namespace}.")
        return base.split(".retry.")[0].removesuffix(".dead")

    async def publish(self, message: Message) -> None:
        if self._exchange is None:
            raise RuntimeError("the bus is not started")
        await self._exchange.publish(
            aio_pika.Message(
                message.to_json(),
                content_type="application/json",
                message_id=str(message.message_id),
                correlation_id=str(message.correlation_id) if message.correlation_id else None,
                type=message.type,
                timestamp=message.occurred_at,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=message.type,
        )
        observe_published(message)

    async def dead_letters(self, queue: str, limit: int = 1000) -> list[DeadLetter]:
        """Browse a queue's dead letters without removing them (unacked gets, requeued on channel close)."""
        letters: list[DeadLetter] = []

        async def keep(_: AbstractChannel, letter: DeadLetter, __: AbstractIncomingMessage) -> bool:
            letters.append(letter)
            return len(letters) < limit

        try:
            await self._walk_dead(queue, keep)
        except UnknownQueue:
            return []
        return letters

    async def replay_dead_letters(self, queue: str, letter_ids: Collection[str] | None = None) -> int:
        """Re-publish dead letters to their queue (confirmed, attempt count reset), then remove them."""
        target = self.queue_name(queue)
        replayed = 0

        async def replay(channel: AbstractChannel, letter: DeadLetter, incoming: AbstractIncomingMessage) -> bool:
            nonlocal replayed
            if letter_ids is None or letter.letter_id in letter_ids:
                headers = {k: v for k, v in (incoming.headers or {}).items() if k not in _DEAD_HEADERS}
                times = _attempt(headers.get(REPLAYED_HEADER), default=0) + 1
                await self._forward(channel, incoming, target, headers | {REPLAYED_HEADER: times})
                log.warning("replayed dead letter %s (%s) to %s", letter.letter_id, letter.message_type, queue)
                replayed += 1
            return True

        await self._walk_dead(queue, replay)
        return replayed

    async def discard_dead_letters(self, queue: str, letter_ids: Collection[str] | None = None) -> int:
        discarded = 0

        async def discard(_: AbstractChannel, letter: DeadLetter, incoming: AbstractIncomingMessage) -> bool:
            nonlocal discarded
            if letter_ids is None or letter.letter_id in letter_ids:
                await incoming.ack()
                log.warning("discarded dead letter %s (%s) of %s", letter.letter_id, letter.message_type, queue)
                discarded += 1
            return True

        await self._walk_dead(queue, discard)
        return discarded

    async def _walk_dead(
        self,
        queue: str,
        visit: Callable[[AbstractChannel, DeadLetter, AbstractIncomingMessage], Awaitable[bool]],
    ) -> None:
        """Hand each of the queue's dead letters to `visit` (which may ack it) until it answers False.

        Letters left unacked are held until the end, so each is seen once, and go back in their order when
        the channel closes.
        """
        if self._connection is None:
            raise RuntimeError("the bus is not started")
        channel = await self._connection.channel(publisher_confirms=True)
        try:
            try:
                # Passive: browsing used to declare the dead queue of any name it was asked about.
                dead = await channel.declare_queue(f"{self.queue_name(queue)}.dead", passive=True)
            except aiormq.exceptions.ChannelNotFoundEntity as exc:
                raise UnknownQueue(queue) from exc
            while True:
                incoming = await dead.get(no_ack=False, fail=False)
                if incoming is None or not await visit(channel, _dead_letter(queue, incoming), incoming):
                    break
        finally:
            if not channel.is_closed:
                await channel.close()

    async def queue_depths(self) -> dict[str, tuple[int, int]]:
        """Each subscribed queue's ready messages and dead letters, as the broker counts them now."""
        if self._connection is None:
            raise RuntimeError("the bus is not started")
        depths: dict[str, tuple[int, int]] = {}
        channel = await self._connection.channel()
        try:
            for subscription in self._subscriptions:
                name = self.queue_name(subscription.queue)
                ready = await channel.declare_queue(name, passive=True)
                dead = await channel.declare_queue(f"{name}.dead", passive=True)
                depths[subscription.queue] = (
                    ready.declaration_result.message_count or 0,
                    dead.declaration_result.message_count or 0,
                )
        finally:
            if not channel.is_closed:
                await channel.close()
        return depths

    @property
    def connected(self) -> bool:
        """Whether the broker connection is up now (a robust connection reconnects by itself when it is not)."""
        return self._connection is not None and not self._connection.is_closed and self._connection.connected.is_set()

    async def close(self, grace: float = 10.0) -> None:
        """Stop taking new deliveries, let the handlers under way finish and ack, then hang up.

        A handler still running after `grace` seconds is cancelled (it used to be awaited forever, so one
        hung handler kept the process from stopping); its message is unacked, so the broker redelivers it.
        """
        self._closing = True
        for queue, tag in self._consumers:
            with contextlib.suppress(Exception):
                await queue.cancel(tag)
        self._consumers.clear()
        if self._in_flight:
            _, hung = await asyncio.wait(set(self._in_flight), timeout=grace)
            for task in hung:
                task.cancel()
            await asyncio.gather(*hung, return_exceptions=True)
        for channel in self._consumer_channels:
            await channel.close()
        self._consumer_channels.clear()
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._exchange = None


#: Headers of a dead letter that must not follow it back onto its queue (its retry count starts afresh).
_DEAD_HEADERS = (
    *_BROKER_HEADERS,
    REASON_HEADER,
    ATTEMPT_HEADER,
    QUEUE_HEADER,
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
)


def _dead_letter(queue: str, incoming: AbstractIncomingMessage) -> DeadLetter:
    headers = dict(incoming.headers or {})
    return DeadLetter(
        queue=queue,
        body=incoming.body,
        reason=str(headers.get(REASON_HEADER, "delivery limit reached (consumer crashed repeatedly)")),
        attempts=_attempt(headers.get(ATTEMPT_HEADER), default=0),
        dead_at=incoming.timestamp if isinstance(incoming.timestamp, dt.datetime) else utcnow(),
        message_id=incoming.message_id or body_message_id(incoming.body),
        message_type=incoming.type,
        # Without the broker's delivery count: each look would change it.
        headers={key: _header_text(value) for key, value in headers.items() if key not in _BROKER_HEADERS},
    )


def _header_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _attempt(value: object, *, default: int) -> int:
    """The attempt counter from a header, tolerating what a foreign producer may have put there."""
    try:
        return max(int(str(value)), 1) if value is not None else default
    except ValueError:
        return default
