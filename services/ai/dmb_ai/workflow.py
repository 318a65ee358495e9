"""The value-pool workflow: a LangGraph state graph per request.

    analyze → generate → validate ─┬─> generate   (rows still missing, tries left)
                                   ├─> compose    (a unique text field needs more values than the pool)
                                   └─> output     (enough rows, tries or token budget spent, a fatal error)

`compose` asks the model for a template and parts per slot; code checks and combines them
(domain/composing.py). `generate` asks the model for a small batch of rows, telling it the rows already kept and why others were
refused; `validate` screens the answer (domain/screening.py) and keeps what passes. With a checkpointer the
state is saved after every step under the request's thread id, so a restarted service resumes the request
from its last batch instead of starting over.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict

from dmb_contracts.compositions import Composition
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.utils.json import parse_partial_json
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel

from dmb_ai.adapters.chat_model import ModelCallFailed, call_failure
from dmb_ai.domain.briefs import FieldBrief, RequestBrief, analyze, code_notes
from dmb_ai.domain.composing import CompositionAnswer, accept, composable, composition_prompt
from dmb_ai.domain.pools import PoolLimits, PoolRequest, PoolResult, PoolStats
from dmb_ai.domain.prompts import answer_model, answer_rows, system_prompt, user_prompt
from dmb_ai.domain.screening import Row, screen

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None]]


class PoolState(TypedDict, total=False):
    request: dict[str, Any]
    brief: dict[str, Any]
    kept: list[Row]
    refused: list[str]
    answer: list[Row]
    stats: dict[str, int]
    #: Calls in a row that kept nothing; reset by a call that keeps a row.
    barren: int
    error: str | None
    stop: str | None
    compositions: dict[str, Any]
    result: dict[str, Any]


def _brief(state: PoolState) -> RequestBrief:
    return RequestBrief.model_validate(state["brief"])


def _request(state: PoolState) -> PoolRequest:
    return PoolRequest.model_validate(state["request"])


class PoolWorkflow:
    """Builds the graph around one chat model, its limits, a shared limit on concurrent model calls and an
    optional progress callback (made, needed)."""

    def __init__(
        self,
        model: BaseChatModel,
        limits: PoolLimits,
        *,
        call_limit: asyncio.Semaphore | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        self._model = model
        self._limits = limits
        self._call_limit = call_limit or asyncio.Semaphore(1)
        self._on_progress = on_progress

    def graph(self, checkpointer: BaseCheckpointSaver[Any] | None = None) -> CompiledStateGraph[Any, Any, Any, Any]:
        builder = StateGraph(PoolState)
        builder.add_node("analyze", self._analyze)
        builder.add_node("generate", self._generate)
        builder.add_node("validate", self._validate)
        builder.add_node("compose", self._compose)
        builder.add_node("output", self._output)
        builder.add_edge(START, "analyze")
        builder.add_conditional_edges("analyze", self._after_analyze, ["generate", "output"])
        builder.add_edge("generate", "validate")
        builder.add_conditional_edges("validate", self._after_validate, ["generate", "compose", "output"])
        builder.add_edge("compose", "output")
        builder.add_edge("output", END)
        return builder.compile(checkpointer=checkpointer)

    def max_calls(self, count: int) -> int:
        return math.ceil(count / self._limits.batch_size) + self._limits.max_retries

    async def _analyze(self, state: PoolState) -> PoolState:
        request = _request(state)
        brief = analyze(request.table, request.fields, request.context, request.locale)
        return {"brief": brief.model_dump(mode="json"), "kept": [], "refused": [], "stats": {}, "barren": 0}

    def _after_analyze(self, state: PoolState) -> str:
        return "generate" if _brief(state).fields else "output"

    async def _generate(self, state: PoolState) -> PoolState:
        brief, request = _brief(state), _request(state)
        kept, stats = state["kept"], dict(state["stats"])
        rows = min(self._limits.batch_size, request.count - len(kept))
        messages = [
            SystemMessage(system_prompt(brief)),
            HumanMessage(user_prompt(brief, rows, kept, state["refused"])),
        ]
        stats["model_calls"] = stats.get("model_calls", 0) + 1
        try:
            answer, tokens = await self._ask(brief, messages, rows)
        except ModelCallFailed as failure:
            stats["failed_calls"] = stats.get("failed_calls", 0) + 1
            log.warning("model call failed: %s", failure.reason)
            return {
                "answer": [],
                "stats": stats,
                "error": failure.reason,
                "stop": failure.reason if failure.fatal else None,
            }
        stats["tokens"] = stats.get("tokens", 0) + tokens
        return {"answer": answer, "stats": stats, "error": None}

    async def _ask(self, brief: RequestBrief, messages: list[Any], rows: int) -> tuple[list[Row], int]:
        """One model call for `rows` rows: the rows it answered (an unreadable answer is no rows, a cut-off one
        its complete rows) and the tokens it used."""
        parsed, tokens, raw = await self._ask_raw(answer_model(brief), messages)
        if parsed is None:
            return salvaged_rows(raw, [field.field.name for field in brief.fields]), tokens
        return answer_rows(brief, parsed), tokens

    async def _ask_for(self, schema: type[BaseModel], messages: list[Any]) -> tuple[BaseModel | None, int]:
        """One model call for a `schema` answer: the parsed answer (None when unreadable) and the tokens used."""
        parsed, tokens, _raw = await self._ask_raw(schema, messages)
        return parsed, tokens

    async def _ask_raw(self, schema: type[BaseModel], messages: list[Any]) -> tuple[BaseModel | None, int, object]:
        """One model call: the parsed answer (None when unreadable), the tokens used and the raw message."""
        structured = self._model.with_structured_output(schema, method=self._limits.method, include_raw=True)
        timeout = self._limits.call_timeout_seconds
        try:
            async with self._call_limit, asyncio.timeout(timeout):
                reply = await structured.ainvoke(messages)
        except ModelCallFailed:
            raise
        except Exception as exc:  # whatever the client raises becomes a reason in plain words
            raise call_failure(exc, timeout) from exc
        if not isinstance(reply, dict):  # include_raw=True always answers a dict; be strict about it
            raise call_failure(TypeError(type(reply).__name__), timeout)
        raw, parsed = reply.get("raw"), reply.get("parsed")
        return (parsed if isinstance(parsed, BaseModel) else None), _tokens(raw), raw

    async def _validate(self, state: PoolState) -> PoolState:
        brief, request = _brief(state), _request(state)
        answer, stats = state.get("answer", []), dict(state["stats"])
        screening = screen(brief, answer, state["kept"])
        kept = [*state["kept"], *screening.kept][: request.count]
        if stats.get("model_calls", 0) == 1 and not stats.get("failed_calls"):
            stats["first_call_returned"], stats["first_call_kept"] = len(answer), len(screening.kept)
        stats["rows_returned"] = stats.get("rows_returned", 0) + len(answer)
        stats["rows_kept"] = len(kept)
        refused = [*state["refused"], *screening.refused][-50:]
        if not answer and state.get("error") is None:
            refused.append("the last answer did not follow the JSON schema; answer with the tool and its list")
        if self._on_progress is not None:
            await self._on_progress(len(kept), request.count)
        barren = 0 if screening.kept else state.get("barren", 0) + 1
        return {"kept": kept, "refused": refused, "stats": stats, "barren": barren, "answer": []}

    def _after_validate(self, state: PoolState) -> str:
        if self._stop_reason(state) is None and not self._enough(state):
            return "generate"
        return "compose" if self._to_compose(state) and not state.get("stop") else "output"

    def _to_compose(self, state: PoolState) -> list[FieldBrief]:
        request = _request(state)
        if request.rows is None or request.rows <= len(state.get("kept", [])):
            return []
        return [field for field in _brief(state).fields if composable(field.field)]

    async def _compose(self, state: PoolState) -> PoolState:
        """A composition per unique text field, asked for up to `max_retries` + 1 times each."""
        brief, request = _brief(state), _request(state)
        stats = dict(state["stats"])
        compositions: dict[str, Any] = {}
        rows = request.rows or request.count
        for field in self._to_compose(state):
            examples = [str(row.get(field.field.name)) for row in state["kept"]]
            refused: list[str] = []
            for _attempt in range(self._limits.max_retries + 1):
                if stats.get("tokens", 0) >= self._limits.token_budget:
                    break
                messages = [
                    SystemMessage(system_prompt(brief)),
                    HumanMessage(composition_prompt(brief, field, rows, examples, refused)),
                ]
                stats["model_calls"] = stats.get("model_calls", 0) + 1
                try:
                    answer, tokens = await self._ask_for(CompositionAnswer, messages)
                except ModelCallFailed as failure:
                    stats["failed_calls"] = stats.get("failed_calls", 0) + 1
                    refused = [failure.reason]
                    if failure.fatal:
                        break
                    continue
                stats["tokens"] = stats.get("tokens", 0) + tokens
                if not isinstance(answer, CompositionAnswer):
                    refused = ["the answer did not follow the JSON schema (template, slots)"]
                    continue
                composition, refused = accept(brief, field, answer, rows)
                if composition is not None:
                    compositions[field.field.name] = composition.model_dump(mode="json")
                    break
        return {"compositions": compositions, "stats": stats}

    def _enough(self, state: PoolState) -> bool:
        return len(state["kept"]) >= _request(state).count

    def _stop_reason(self, state: PoolState) -> str | None:
        stats = state["stats"]
        if state.get("stop"):
            return state["stop"]
        if stats.get("tokens", 0) >= self._limits.token_budget:
            return f"the token budget of {self._limits.token_budget} tokens was spent"
        if state.get("barren", 0) > self._limits.max_retries or stats.get("model_calls", 0) >= self.max_calls(
            _request(state).count
        ):
            last = state.get("error") or "the answers did not pass validation"
            return f"{last} after {stats.get('model_calls', 0)} model calls"
        return None

    async def _output(self, state: PoolState) -> PoolState:
        brief, request = _brief(state), _request(state)
        kept = state.get("kept", [])
        notes = code_notes(brief)
        stats = PoolStats.model_validate(state.get("stats", {}))
        compositions = {name: Composition.model_validate(c) for name, c in (state.get("compositions") or {}).items()}
        result = PoolResult(notes=notes, stats=stats, compositions=compositions)
        for field in self._to_compose(state) if brief.fields else []:
            if field.field.name not in compositions:
                result.notes.append(
                    f"field {field.field.name}: the AI pool has fewer distinct values than the job has rows and "
                    "no composition passed the checks, so values carry a distinguishing suffix"
                )
        if brief.fields:
            needed = min(request.count, self._limits.min_pool)
            if len(kept) >= needed:
                result.pools = {field.field.name: [row[field.field.name] for row in kept] for field in brief.fields}
                if len(kept) < request.count:
                    reason = self._stop_reason(state) or "the model stopped early"
                    result.notes.append(f"AI made {len(kept)} of {request.count} values ({reason}); they repeat")
            else:
                reason = self._stop_reason(state) or "too few valid values"
                result.failure = f"{reason}; {len(kept)} valid values kept, {needed} needed" if kept else reason
        return {"result": result.model_dump(mode="json")}


def salvaged_rows(raw: object, names: list[str]) -> list[Row]:
    """The complete rows of an answer the parser refused, mostly one cut off by the token limit (the JSON
    ends mid-row): a long batch then still yields the rows it finished. The last row is dropped, since it may
    be cut inside a value ("Great sta"), and so is any row missing a field or holding a non-scalar."""
    if not isinstance(raw, AIMessage):
        return []
    texts = [call.get("args") for call in raw.invalid_tool_calls] + [raw.content]
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            data = parse_partial_json(text.strip())
        except ValueError:  # not JSON at all (prose)
            continue
        if not isinstance(data, dict):
            continue
        values = data.get("values")
        if len(names) == 1 and isinstance(values, list) and len(values) >= 2:
            return [{names[0]: value} for value in values[:-1] if isinstance(value, str)]
        items = data.get("rows")
        if not isinstance(items, list) or len(items) < 2:
            continue
        rows = []
        for item in items[:-1]:
            if isinstance(item, dict) and all(isinstance(item.get(name), str | int | float) for name in names):
                rows.append({name: item[name] for name in names})
        return rows
    return []


def _tokens(raw: object) -> int:
    usage = getattr(raw, "usage_metadata", None) if isinstance(raw, AIMessage) else None
    if usage:
        return int(usage.get("total_tokens", 0))
    # No usage reported (some servers): about four characters a token, so the budget still bounds the run.
    text = str(getattr(raw, "content", "")) + str(getattr(raw, "tool_calls", ""))
    return max(1, len(text) // 4)


async def make_pools(
    request: PoolRequest,
    model: BaseChatModel,
    limits: PoolLimits | None = None,
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    thread_id: str | None = None,
    call_limit: asyncio.Semaphore | None = None,
    on_progress: Progress | None = None,
) -> PoolResult:
    """Run the workflow for `request` on `model`; with a `checkpointer` and `thread_id`, resume that
    thread's saved state if it has one (a finished thread returns its result without a model call)."""
    limits = limits or PoolLimits()
    workflow = PoolWorkflow(model, limits, call_limit=call_limit, on_progress=on_progress)
    graph = workflow.graph(checkpointer)
    config: RunnableConfig = {"recursion_limit": 2 * workflow.max_calls(request.count) + 10}
    start: PoolState | None = {"request": request.model_dump(mode="json")}
    if checkpointer is not None:
        if thread_id is None:
            raise ValueError("a checkpointed run needs a thread_id")
        config["configurable"] = {"thread_id": thread_id}
        saved = await graph.aget_state(config)
        if saved.values and not saved.next and "result" in saved.values:
            return PoolResult.model_validate(saved.values["result"])
        if saved.values and saved.next:
            start = None  # resume after the last saved step
    final = await graph.ainvoke(start, config)
    return PoolResult.model_validate(final["result"])
