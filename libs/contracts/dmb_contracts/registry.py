"""Every message type in one discriminated union: parse anything off the wire in one call."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from dmb_contracts.ai_assist import (
    CancelDesign,
    CancelVocabulary,
    DesignCancelled,
    DesignFailed,
    DesignProposed,
    RequestDesign,
    RequestVocabulary,
    VocabularyCancelled,
    VocabularyFailed,
    VocabularyProposed,
)
from dmb_contracts.commands import (
    AlterTable,
    CancelJob,
    CreateTable,
    CreateTableSet,
    DropTable,
    GenerateChunk,
    GenerateRows,
    GenerateTables,
    PreviewRows,
    RequestExport,
    RestoreTable,
)
from dmb_contracts.envelope import Command, Event, Message
from dmb_contracts.events import (
    AIValuesFailed,
    AIValuesGenerated,
    AIValuesProgressed,
    AIValuesRequested,
    ExportCompleted,
    ExportExpired,
    ExportFailed,
    ExportProgressed,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobProgressed,
    JobStarted,
    MigrationRecorded,
    RowsPreviewed,
    TableAltered,
    TableCreated,
    TableDropped,
    TableRejected,
)

COMMANDS: tuple[type[Command], ...] = (
    CreateTable,
    CreateTableSet,
    AlterTable,
    RestoreTable,
    DropTable,
    GenerateRows,
    GenerateChunk,
    GenerateTables,
    CancelJob,
    RequestExport,
    RequestDesign,
    RequestVocabulary,
    CancelDesign,
    CancelVocabulary,
    PreviewRows,
)
EVENTS: tuple[type[Event], ...] = (
    TableCreated,
    TableAltered,
    TableDropped,
    TableRejected,
    MigrationRecorded,
    JobStarted,
    JobProgressed,
    JobCompleted,
    JobFailed,
    JobCancelled,
    AIValuesRequested,
    AIValuesGenerated,
    AIValuesProgressed,
    AIValuesFailed,
    ExportProgressed,
    ExportCompleted,
    ExportFailed,
    ExportExpired,
    DesignProposed,
    DesignFailed,
    VocabularyProposed,
    VocabularyFailed,
    DesignCancelled,
    VocabularyCancelled,
    RowsPreviewed,
)
MESSAGE_TYPES: tuple[type[Message], ...] = COMMANDS + EVENTS

AnyMessage = Annotated[
    CreateTable
    | CreateTableSet
    | AlterTable
    | RestoreTable
    | DropTable
    | GenerateRows
    | GenerateChunk
    | GenerateTables
    | CancelJob
    | RequestExport
    | TableCreated
    | TableAltered
    | TableDropped
    | TableRejected
    | MigrationRecorded
    | JobStarted
    | JobProgressed
    | JobCompleted
    | JobFailed
    | JobCancelled
    | AIValuesRequested
    | AIValuesGenerated
    | AIValuesProgressed
    | AIValuesFailed
    | ExportProgressed
    | ExportCompleted
    | ExportFailed
    | ExportExpired
    | RequestDesign
    | RequestVocabulary
    | DesignProposed
    | DesignFailed
    | VocabularyProposed
    | VocabularyFailed
    | CancelDesign
    | CancelVocabulary
    | DesignCancelled
    | VocabularyCancelled
    | PreviewRows
    | RowsPreviewed,
    Field(discriminator="type"),
]

_ADAPTER: TypeAdapter[Message] = TypeAdapter(AnyMessage)


def routing_key(message_type: type[Message]) -> str:
    """The routing key (the `type` literal) of a message class."""
    default = message_type.model_fields["type"].default
    assert isinstance(default, str)
    return default


def parse_message(data: bytes | str) -> Message:
    """Parse a message off the wire; raises pydantic.ValidationError for unknown or malformed ones."""
    return _ADAPTER.validate_json(data)


EVENT_TYPES: tuple[str, ...] = tuple(routing_key(event) for event in EVENTS)
