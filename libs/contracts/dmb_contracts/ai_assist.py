"""The AI's help with definitions, answered by the AI service: table designs from a sentence, and vocabularies
(a weighted choices list) for one column. Both are proposals: nothing changes until the user applies them
through the ordinary table commands.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dmb_contracts.commands import Locale
from dmb_contracts.envelope import Command, Event
from dmb_contracts.fields import TEXTUAL_TYPES, FieldSpec, JsonScalar, TableSpec

MAX_DESIGN_TABLES = 12
MAX_VOCABULARY_VALUES = 100


class ModelEndpoint(BaseModel):
    """Which OpenAI-compatible model answers: base URL (None: OpenAI's), model name, and the key sealed with the
    platform key (dmb_common.crypto), never in clear."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: Annotated[str, Field(max_length=500)] | None = None
    model: Annotated[str, Field(min_length=1, max_length=200)]
    api_key_encrypted: str | None = Field(default=None, description="Fernet token of the API key.")


class RequestDesign(Command):
    """Propose table definitions for what `sentence` describes."""

    type: Literal["ai.design.request"] = "ai.design.request"
    design_id: UUID
    sentence: Annotated[str, Field(min_length=3, max_length=2000)]
    locale: Locale = "en_US"
    endpoint: ModelEndpoint | None = Field(
        default=None, description="None: no model is configured for this user or platform (the design fails)."
    )


class DesignProposed(Event):
    """Table definitions that validate as they are: parents before the tables that reference them."""

    type: Literal["ai.design.proposed"] = "ai.design.proposed"
    design_id: UUID
    tables: Annotated[list[TableSpec], Field(min_length=1, max_length=MAX_DESIGN_TABLES)]
    notes: list[str] = Field(
        default_factory=list, description="What was repaired or dropped from the model's answer, one line each."
    )
    attempts: int = Field(default=1, ge=1, description="Model calls it took.")
    seconds: float = Field(default=0, ge=0)


class DesignFailed(Event):
    type: Literal["ai.design.failed"] = "ai.design.failed"
    design_id: UUID
    reason: str


class CancelDesign(Command):
    """Stop the model calls of design `design_id`: its request is answered with DesignCancelled, never with a
    proposal. Travels on the AI service's main queue, not on `ai.assist` (whose slots may be busy with the
    very request to cancel)."""

    type: Literal["ai.design.cancel"] = "ai.design.cancel"
    design_id: UUID


class DesignCancelled(Event):
    """The answer to a design request that was cancelled: the model calls stopped (or never started)."""

    type: Literal["ai.design.cancelled"] = "ai.design.cancelled"
    design_id: UUID


class RequestVocabulary(Command):
    """Propose a weighted choices list for field `field` of `table` (its name, description and neighbours say
    what the values mean)."""

    type: Literal["ai.vocabulary.request"] = "ai.vocabulary.request"
    vocabulary_id: UUID
    table: TableSpec
    field: str
    locale: Locale = "en_US"
    context: Annotated[str, Field(max_length=4000)] = ""
    endpoint: ModelEndpoint | None = None

    @model_validator(mode="after")
    def _field_of_table(self) -> Self:
        if self.field not in {spec.name for spec in self.table.fields}:
            raise ValueError(f"field {self.field!r} is not a field of table {self.table.table_name!r}")
        return self


class VocabularyProposed(Event):
    type: Literal["ai.vocabulary.proposed"] = "ai.vocabulary.proposed"
    vocabulary_id: UUID
    field: str
    values: Annotated[list[JsonScalar], Field(min_length=1, max_length=MAX_VOCABULARY_VALUES)]
    weights: list[float] = Field(description="One weight per value, summing to 1.")
    notes: list[str] = Field(default_factory=list)
    attempts: int = Field(default=1, ge=1)
    seconds: float = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_weight_per_value(self) -> Self:
        if len(self.weights) != len(self.values):
            raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
        return self


class VocabularyFailed(Event):
    type: Literal["ai.vocabulary.failed"] = "ai.vocabulary.failed"
    vocabulary_id: UUID
    reason: str


class CancelVocabulary(Command):
    """Stop the model calls of vocabulary `vocabulary_id` (as CancelDesign, on the AI service's main queue)."""

    type: Literal["ai.vocabulary.cancel"] = "ai.vocabulary.cancel"
    vocabulary_id: UUID


class VocabularyCancelled(Event):
    type: Literal["ai.vocabulary.cancelled"] = "ai.vocabulary.cancelled"
    vocabulary_id: UUID


def vocabulary_problem(spec: FieldSpec) -> str | None:
    """Why `spec` cannot take a vocabulary, or None (the gateway refuses at once, the AI service again)."""
    if spec.references is not None or spec.primary_key:
        return f"{spec.name!r} is a key; its values come from the keys, not a vocabulary"
    if spec.type not in TEXTUAL_TYPES:
        return f"vocabularies are for text fields; {spec.name!r} is {spec.type.value}"
    if spec.unique:
        return f"{spec.name!r} is unique: a list of values that repeat cannot fill it"
    return None
