"""Pick the transport from a URL: memory:// for in-process, amqp(s):// for RabbitMQ."""

from __future__ import annotations

from dmb_bus.base import MessageBus
from dmb_bus.inprocess import InProcessBus
from dmb_bus.rabbitmq import RabbitMQBus


def create_bus(url: str, namespace: str = "dmb", *, connection_name: str = "dmb") -> MessageBus:
    if url.startswith("memory://"):
        return InProcessBus()
    if url.startswith(("amqp://", "amqps://")):
        return RabbitMQBus(url, namespace, connection_name=connection_name)
    raise ValueError(f"unsupported bus URL {url.split('://')[0]}://... (use memory:// or amqp://)")
