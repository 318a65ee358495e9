"""The AI table designer: a sentence in, table definitions that validate out (nothing is created here)."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from dmb_ai.assistant import Answer, Unusable, ask_until_usable
from dmb_ai.domain.design import DesignDraft, Repaired, repair_design

DESIGN_ATTEMPTS = 3

SYSTEM = """You design relational database tables that will be filled with realistic synthetic data.
Call the tool with the tables that the user's description needs (usually 2 to 5).
Rules:
- table_name and field names: lower-case snake_case English words; table names plural.
- Every table has a field "id" of type integer with primary_key true.
- A child table links to its parent with a field "<parent singular>_id" of type foreign_key and
  references "<parent table>.id".
- type is one of: string, text, integer, big_integer, decimal, float, boolean, date, datetime, email, url, uuid.
- For a field with a few known values (status, type, category, gender) give choices, written in the
  language of the place the description names.
- For names, cities, companies, phone numbers and addresses give faker, a Faker provider name such as
  first_name, last_name, city, company, phone_number, street_address.
- Give min and max for numbers and dates when there is a sensible range (dates as YYYY-MM-DD).
- Leave out every property a column does not need: short answers are better."""


def design_prompt(sentence: str, locale: str) -> list[SystemMessage | HumanMessage]:
    return [
        SystemMessage(SYSTEM),
        HumanMessage(f"Locale of the data: {locale}.\nDescription: {sentence}"),
    ]


def usable_design(draft: DesignDraft) -> Repaired:
    repaired = repair_design(draft)
    if not repaired.tables:
        detail = "; ".join(repaired.notes[:5]) or "it proposed no tables"
        raise Unusable(f"none of the proposed tables is valid ({detail})")
    return repaired


async def design_tables(
    model: BaseChatModel, sentence: str, locale: str, *, timeout_seconds: float, attempts: int = DESIGN_ATTEMPTS
) -> Answer[Repaired]:
    return await ask_until_usable(
        model,
        DesignDraft,
        design_prompt(sentence, locale),
        usable_design,
        attempts=attempts,
        timeout_seconds=timeout_seconds,
        what="table design",
    )
