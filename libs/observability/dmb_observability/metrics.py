"""The platform's Prometheus metrics, one set per process (each service is scraped on its own /metrics).

Most are observed where every message passes anyway (the bus: published, handled, retried, dead-lettered),
so a service records jobs, rows and export bytes without a line of metrics code in its handlers.
"""

from __future__ import annotations

from dmb_contracts.commands import GenerateChunk
from dmb_contracts.envelope import Message
from dmb_contracts.events import ExportCompleted, ExportFailed, JobCancelled, JobCompleted, JobFailed, JobStarted
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

MESSAGES_PUBLISHED = Counter("dmb_messages_published_total", "Messages this process published, by type.", ["type"])
MESSAGES_HANDLED = Counter(
    "dmb_messages_handled_total",
    "Deliveries this process handled, by queue, type and outcome (ok, retry, dead).",
    ["queue", "type", "outcome"],
)
HANDLING_SECONDS = Histogram(
    "dmb_message_handling_seconds",
    "Time a handler took, by queue and type (queue generator.chunks: the chunk latency).",
    ["queue", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
RETRIES = Counter("dmb_message_retries_total", "Handler failures sent to a retry with back-off.", ["queue", "type"])
DEAD_LETTERS = Counter("dmb_dead_letters_total", "Messages dead-lettered by this process, by queue.", ["queue"])
QUEUE_DEPTH = Gauge("dmb_queue_depth", "Messages ready in a queue this process consumes.", ["queue"])
DEAD_LETTER_DEPTH = Gauge(
    "dmb_dead_letter_queue_depth", "Dead letters waiting in a queue's dead-letter queue.", ["queue"]
)
JOBS = Counter(
    "dmb_jobs_total", "Generation jobs by what happened (started, completed, failed, cancelled).", ["status"]
)
ROWS_GENERATED = Counter("dmb_rows_generated_total", "Rows generated and written (rate: rows per second).")
EXPORTS = Counter("dmb_exports_total", "Exports by outcome (completed, failed).", ["status"])
EXPORT_BYTES = Counter("dmb_export_bytes_total", "Bytes of export files stored.")
HTTP_SECONDS = Histogram(
    "dmb_http_request_seconds",
    "HTTP request latency by method, route template and status.",
    ["method", "route", "status"],
)

_JOB_STATUS: dict[type[Message], str] = {
    JobStarted: "started",
    JobCompleted: "completed",
    JobFailed: "failed",
    JobCancelled: "cancelled",
}


def observe_published(message: Message) -> None:
    MESSAGES_PUBLISHED.labels(message.type).inc()
    status = _JOB_STATUS.get(type(message))
    if status is not None:
        JOBS.labels(status).inc()
    elif isinstance(message, ExportCompleted):
        EXPORTS.labels("completed").inc()
        EXPORT_BYTES.inc(message.size_bytes)
    elif isinstance(message, ExportFailed):
        EXPORTS.labels("failed").inc()


def observe_handled(queue: str, message: Message, seconds: float, outcome: str) -> None:
    MESSAGES_HANDLED.labels(queue, message.type, outcome).inc()
    HANDLING_SECONDS.labels(queue, message.type).observe(seconds)
    if outcome == "ok" and isinstance(message, GenerateChunk):
        ROWS_GENERATED.inc(message.rows)


def observe_retry(queue: str, message_type: str) -> None:
    RETRIES.labels(queue, message_type).inc()


def observe_dead_letter(queue: str) -> None:
    DEAD_LETTERS.labels(queue).inc()


def observe_depths(depths: dict[str, tuple[int, int]]) -> None:
    """Queue → (ready, dead) as the bus reported them at scrape time."""
    for queue, (ready, dead) in depths.items():
        QUEUE_DEPTH.labels(queue).set(ready)
        DEAD_LETTER_DEPTH.labels(queue).set(dead)


def exposition() -> tuple[bytes, str]:
    """The text format Prometheus scrapes, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
