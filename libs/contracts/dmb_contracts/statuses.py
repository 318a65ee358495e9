"""The statuses of a job and of an export, shared by the services that keep them (generator, exporter), the
gateway's projection and API, and the CLI. Their values are the words the JSON and the databases carry."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    #: Recorded by the gateway; the generator has not started it yet.
    PENDING = "pending"
    #: The generator waits for the AI service's values (the gateway shows the job as running).
    WAITING_AI = "waiting_ai"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: A job in one of these statuses is over: nothing changes it any more.
JOB_FINISHED = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})
#: A job in one of these statuses still holds one of its owner's concurrent-jobs slots (gateway's view).
JOB_ACTIVE = frozenset({JobStatus.PENDING, JobStatus.RUNNING})


class ExportStatus(StrEnum):
    #: Recorded by the gateway; the exporter has not started it yet.
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    #: Completed, then its file was deleted at the end of the retention period.
    EXPIRED = "expired"


#: An export in one of these statuses is over (a failed or expired one may be retried as a new export).
EXPORT_FINISHED = frozenset({ExportStatus.COMPLETED, ExportStatus.FAILED, ExportStatus.EXPIRED})
