"""Ask a chat model for a structured answer until it is usable: a bounded loop shared by the table designer and
the column vocabularies.

Each attempt asks through structured output (tool calling, DEFAULT_STRUCTURED_METHOD below), then hands the
parsed draft to a `repair` function that either returns the usable result or raises `Unusable` with what was
wrong. What was wrong goes back to the model in the next attempt. A model that cannot be reached, refuses the
key or times out ends the loop at once with a reason a user can act on; the endpoint's address is never in it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import BaseModel

from dmb_ai.adapters.chat_model import call_failure

log = logging.getLogger(__name__)

#: Tool calling: it works on OpenAI and on llama.cpp servers (json_schema answers HTTP 500 there, json_mode got
#: item counts wrong on small models; issue 16's measurements).
DEFAULT_STRUCTURED_METHOD: Literal["function_calling"] = "function_calling"

Draft = TypeVar("Draft", bound=BaseModel)
Result = TypeVar("Result")


class Unusable(ValueError):
    """The model's answer cannot be used; the message says why, for the model's next attempt."""


class AssistantFailed(RuntimeError):
    """No usable answer: the message is the reason shown to the user."""


@dataclass(frozen=True)
class Answer(Generic[Result]):
    result: Result
    attempts: int
    seconds: float


async def ask_until_usable(
    model: BaseChatModel,
    schema: type[Draft],
    prompt: Sequence[BaseMessage],
    repair: Callable[[Draft], Result],
    *,
    attempts: int,
    timeout_seconds: float,
    what: str,
) -> Answer[Result]:
    """Ask up to `attempts` times; each failed attempt's problem is told to the model in the next one."""
    structured = model.with_structured_output(schema, method=DEFAULT_STRUCTURED_METHOD, include_raw=True)
    messages = list(prompt)
    started = time.monotonic()
    problems: list[str] = []
    for attempt in range(1, attempts + 1):
        try:
            reply = await asyncio.wait_for(structured.ainvoke(messages), timeout_seconds)
        except Exception as error:  # every failure becomes a reason a user reads (no host, no key)
            log.warning("%s: model call failed (%s)", what, type(error).__name__)
            raise AssistantFailed(call_failure(error, timeout_seconds).reason) from error
        assert isinstance(reply, dict)
        parsed = reply.get("parsed")
        try:
            if not isinstance(parsed, schema):
                raise Unusable(_parse_problem(reply.get("parsing_error")))
            result = repair(parsed)
        except Unusable as problem:
            problems.append(str(problem))
            log.info("%s: attempt %d unusable: %s", what, attempt, problem)
            messages.append(
                HumanMessage(
                    f"Your answer could not be used: {problem}. Answer again, calling the tool with every "
                    "required property."
                )
            )
            continue
        return Answer(result, attempt, time.monotonic() - started)
    raise AssistantFailed(f"the model gave no usable {what} in {attempts} attempts (last problem: {problems[-1]})")


def _parse_problem(error: object) -> str:
    if error is None:
        return "no tool call in the answer"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"the answer did not match the form ({text[:300]})"
