"""The message bus: one interface, an in-process and a RabbitMQ transport, the outbox and the inbox."""
