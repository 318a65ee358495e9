"""Column vocabularies: the model proposes the values a column takes and how common each is."""

from __future__ import annotations

from dmb_contracts.fields import FieldSpec, TableSpec
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from dmb_ai.assistant import Answer, Unusable, ask_until_usable
from dmb_ai.domain.vocabulary import Vocabulary, VocabularyDraft, vocabulary_for

VOCABULARY_ATTEMPTS = 3

SYSTEM = """You propose the realistic values of one column of a database table, for synthetic test data.
Call the tool with 8 to 25 distinct, real values (never placeholders such as "Value 1" or "Example"),
most common first, each with a weight: how often it occurs relative to the others.
Write the values in the language of the locale, as they would appear in a real database."""


def vocabulary_prompt(
    table: TableSpec, field: FieldSpec, locale: str, context: str
) -> list[SystemMessage | HumanMessage]:
    others = ", ".join(spec.name for spec in table.fields if spec.name != field.name)
    lines = [
        f"Table: {table.table_name}" + (f" ({table.description})" if table.description else ""),
        f"Column: {field.name}" + (f" ({field.description})" if field.description else ""),
        f"Other columns: {others or 'none'}",
        f"Locale: {locale}",
    ]
    if field.max_length:
        lines.append(f"At most {field.max_length} characters per value.")
    if context:
        lines.append(f"Context: {context}")
    return [SystemMessage(SYSTEM), HumanMessage("\n".join(lines))]


async def suggest_vocabulary(
    model: BaseChatModel,
    table: TableSpec,
    field: FieldSpec,
    locale: str,
    context: str,
    *,
    timeout_seconds: float,
    attempts: int = VOCABULARY_ATTEMPTS,
) -> Answer[Vocabulary]:
    def usable(draft: VocabularyDraft) -> Vocabulary:
        try:
            return vocabulary_for(field, draft, table.table_name)
        except ValueError as problem:
            raise Unusable(str(problem)) from problem

    return await ask_until_usable(
        model,
        VocabularyDraft,
        vocabulary_prompt(table, field, locale, context),
        usable,
        attempts=attempts,
        timeout_seconds=timeout_seconds,
        what="vocabulary",
    )
