"""The value-pool workflow on scripted chat models: what ends up in the pools, and why the rest does not."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from dmb_ai.adapters.checkpoints import open_checkpointer
from dmb_ai.domain.briefs import analyze
from dmb_ai.domain.pools import PoolLimits, PoolRequest
from dmb_ai.domain.prompts import answer_model
from dmb_ai.workflow import make_pools
from dmb_contracts.fields import TableSpec
from dmb_testing.chat_models import ScriptedChatModel, Stall, garbage_reply, rows_reply, tool_reply, values_reply
from langchain_core.messages import AIMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

DIAGNOSES = [
    "Neumonía adquirida en la comunidad",
    "Insuficiencia cardíaca congestiva",
    "Diabetes mellitus tipo 2",
    "Hipertensión arterial esencial",
    "Fractura de cadera",
    "Apendicitis aguda",
    "Gastroenteritis aguda",
    "Asma bronquial",
    "Migraña crónica",
    "Infección del tracto urinario",
    "Enfermedad pulmonar obstructiva crónica",
    "Colecistitis aguda",
]
TABLE = TableSpec.model_validate(
    {
        "table_name": "admissions",
        "description": "Admissions of a Spanish hospital",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "diagnosis", "type": "string", "max_length": 80, "generator": {"kind": "ai"}},
            {"name": "days", "type": "integer", "min": 1, "max": 60, "generator": {"kind": "ai"}},
        ],
    }
)


def request(count: int = 10, **changes: object) -> PoolRequest:
    fields = [field for field in TABLE.fields if field.generator is not None]
    return PoolRequest(
        table=TABLE, fields=fields, count=count, context="un hospital español", locale="es_ES"
    ).model_copy(update=changes)


LIMITS = PoolLimits(batch_size=10, max_retries=2, call_timeout_seconds=5, min_pool=5)


async def test_valid_values_fill_the_pool_in_one_call_and_code_makes_the_numbers() -> None:
    model = ScriptedChatModel(script=[values_reply("diagnosis", DIAGNOSES[:10])])

    result = await make_pools(request(), model, LIMITS)

    assert result.failure is None
    assert result.pools == {"diagnosis": DIAGNOSES[:10]}
    assert result.notes == ["field days: integer values come from its range, not from a model"]
    assert result.stats.model_calls == 1


async def test_placeholders_are_refused_and_the_next_call_is_told_why() -> None:
    placeholders = [f"Paciente {n}" for n in range(1, 11)]
    model = ScriptedChatModel(script=[values_reply("diagnosis", placeholders), values_reply("diagnosis", DIAGNOSES)])

    result = await make_pools(request(), model, LIMITS)

    assert result.pools["diagnosis"] == DIAGNOSES[:10]
    retry_prompt = str(model.prompts[1][-1].content)
    assert "'Paciente 1'" in retry_prompt
    assert "placeholder" in retry_prompt
    assert result.stats.first_call_kept == 0


async def test_duplicates_are_kept_once_and_only_the_missing_rows_are_asked_again() -> None:
    model = ScriptedChatModel(
        script=[values_reply("diagnosis", DIAGNOSES[:4] * 3), values_reply("diagnosis", DIAGNOSES[4:10])]
    )

    result = await make_pools(request(), model, LIMITS)

    assert result.pools["diagnosis"] == DIAGNOSES[:10]
    second = str(model.prompts[1][-1].content)
    assert second.startswith("Give 6 new, different values of diagnosis.")
    assert "Already kept (4)" in second
    assert all(diagnosis in second for diagnosis in DIAGNOSES[:4])


async def test_english_values_for_a_spanish_context_are_refused() -> None:
    english = ["Community acquired pneumonia", "Congestive heart failure", "Acute appendicitis"]
    model = ScriptedChatModel(
        script=[values_reply("diagnosis", english + DIAGNOSES[:7]), values_reply("diagnosis", DIAGNOSES[7:])]
    )

    result = await make_pools(request(), model, LIMITS)

    assert not set(english) & set(result.pools["diagnosis"])
    assert len(result.pools["diagnosis"]) == 10


async def test_garbage_answers_are_retried_then_the_fields_fall_back_with_the_reason() -> None:
    model = ScriptedChatModel(script=[garbage_reply()])

    result = await make_pools(request(), model, LIMITS)

    assert result.pools == {}
    assert result.failure is not None
    assert "did not pass validation" in result.failure
    assert result.stats.model_calls == 3  # one needed call + max_retries=2
    assert "did not follow the JSON schema" in str(model.prompts[-1][-1].content)


async def test_garbage_then_valid_answers_still_make_the_pool() -> None:
    model = ScriptedChatModel(script=[garbage_reply(), values_reply("diagnosis", DIAGNOSES[:10])])

    result = await make_pools(request(), model, LIMITS)

    assert result.pools["diagnosis"] == DIAGNOSES[:10]


async def test_a_model_that_does_not_answer_in_time_gives_a_timeout_reason() -> None:
    model = ScriptedChatModel(script=[Stall()])
    limits = LIMITS.model_copy(update={"call_timeout_seconds": 0.05})

    result = await make_pools(request(), model, limits)

    assert result.pools == {}
    assert result.failure is not None
    assert "the model did not answer within 0.05 s" in result.failure


async def test_a_refused_key_stops_at_the_first_call() -> None:
    import httpx2 as httpx  # the HTTP client openai is built on
    import openai

    response = httpx.Response(401, request=httpx.Request("POST", "http://model.internal/v1/chat/completions"))
    refused = openai.AuthenticationError("Incorrect API key provided: sk-abc", response=response, body=None)
    model = ScriptedChatModel(script=[refused])

    result = await make_pools(request(), model, LIMITS)

    assert result.failure is not None
    assert result.failure.startswith("the model endpoint refused the API key")
    assert "sk-abc" not in result.failure
    assert "model.internal" not in result.failure
    assert result.stats.model_calls == 1


async def test_the_token_budget_stops_the_calls_and_keeps_what_was_made() -> None:
    model = ScriptedChatModel(
        script=[
            values_reply("diagnosis", DIAGNOSES[:6], tokens=900),
            values_reply("diagnosis", DIAGNOSES[6:], tokens=900),
        ]
    )
    limits = LIMITS.model_copy(update={"token_budget": 800})

    result = await make_pools(request(count=10), model, limits)

    assert result.stats.model_calls == 1
    assert result.pools["diagnosis"] == DIAGNOSES[:6]
    assert result.notes[-1] == "AI made 6 of 10 values (the token budget of 800 tokens was spent); they repeat"


async def test_fields_written_together_come_back_as_rows() -> None:
    table = TableSpec.model_validate(
        {
            "table_name": "products",
            "fields": [
                {"name": "product", "type": "string", "unique": True, "generator": {"kind": "ai"}},
                {"name": "category", "type": "string", "generator": {"kind": "ai"}},
            ],
        }
    )
    rows = [
        {"product": "Trail running shoes", "category": "Sports"},
        {"product": "Espresso machine", "category": "Kitchen"},
        {"product": "Trail running shoes", "category": "Footwear"},  # a unique field repeated
        {"product": "Noise cancelling headphones", "category": "Electronics"},
    ]
    model = ScriptedChatModel(script=[rows_reply(rows)])
    pool_request = PoolRequest(table=table, fields=table.fields, count=3, locale="en_US")

    result = await make_pools(pool_request, model, LIMITS.model_copy(update={"min_pool": 3}))

    assert list(zip(result.pools["product"], result.pools["category"], strict=True)) == [
        ("Trail running shoes", "Sports"),
        ("Espresso machine", "Kitchen"),
        ("Noise cancelling headphones", "Electronics"),
    ]


class Crash(Exception):
    """The service dying half-way through a request."""


async def test_a_request_resumes_from_its_checkpoint_after_a_crash(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'ai.db'}"

    async def crash(made: int, needed: int) -> None:
        raise Crash

    first = ScriptedChatModel(script=[values_reply("diagnosis", DIAGNOSES[:5])])
    async with open_checkpointer(database) as saver:
        with pytest.raises(Crash):
            await make_pools(
                request(),
                first,
                LIMITS.model_copy(update={"batch_size": 5}),
                checkpointer=saver,
                thread_id="r1",
                on_progress=crash,
            )

    second = ScriptedChatModel(script=[values_reply("diagnosis", DIAGNOSES[5:10])])
    async with open_checkpointer(database) as saver:
        result = await make_pools(
            request(), second, LIMITS.model_copy(update={"batch_size": 5}), checkpointer=saver, thread_id="r1"
        )
        again = await make_pools(
            request(), ScriptedChatModel(script=[garbage_reply()]), LIMITS, checkpointer=saver, thread_id="r1"
        )

    assert result.pools["diagnosis"] == DIAGNOSES[:10]  # the first run's answer was not asked again
    assert len(second.prompts) == 1
    assert "Already kept (5)" in str(second.prompts[0][-1].content)
    assert again == result  # a finished thread answers from its checkpoint


async def test_concurrent_requests_share_the_call_limit() -> None:
    in_flight = 0
    most = 0

    class Counting(ScriptedChatModel):
        async def _agenerate(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.02)
            in_flight -= 1
            return await super()._agenerate(*args, **kwargs)  # type: ignore[arg-type]

    limit = asyncio.Semaphore(1)
    runs = [
        make_pools(request(), Counting(script=[values_reply("diagnosis", DIAGNOSES[:10])]), LIMITS, call_limit=limit)
        for _ in range(3)
    ]
    results = await asyncio.gather(*runs)

    assert all(result.pools["diagnosis"] == DIAGNOSES[:10] for result in results)
    assert most == 1


PRODUCTS = TableSpec.model_validate(
    {
        "table_name": "products",
        "description": "Artículos de una tienda de deporte en Madrid",
        "fields": [{"name": "name", "type": "string", "max_length": 60, "unique": True, "generator": {"kind": "ai"}}],
    }
)
NAMES = [
    "Zapatillas de trail Sierra",
    "Mochila urbana Retiro",
    "Chaqueta impermeable Gredos",
    "Bastones de montaña Peñalara",
    "Camiseta térmica Guadarrama",
]
ITEMS = [
    "Zapatillas",
    "Mochila",
    "Chaqueta",
    "Camiseta",
    "Sudadera",
    "Gorra",
    "Mallas",
    "Guantes",
    "Calcetines",
    "Bolsa",
]
KINDS = ["deportiva", "térmica", "ligera", "impermeable", "transpirable", "acolchada", "reflectante", "urbana"]
PLACES = ["Sierra", "Retiro", "Gredos", "Peñalara", "Guadarrama", "Navacerrada", "Cazorla", "Ordesa", "Montseny"]


def composition_reply(template: str, slots: list[list[str]]) -> object:
    return tool_reply("CompositionAnswer", {"template": template, "slots": slots})


async def test_a_unique_field_past_the_pool_gets_a_composition_checked_by_code() -> None:
    model = ScriptedChatModel(
        script=[
            values_reply("name", NAMES),
            composition_reply("{0}{1}", [ITEMS, PLACES]),  # slots touch: refused
            composition_reply("{0} {1}", [ITEMS, PLACES]),  # 90 < 500 combinations: refused
            composition_reply("{0} {1} {2}", [ITEMS, KINDS, PLACES]),  # 720 combinations
        ]
    )
    pool_request = PoolRequest(table=PRODUCTS, fields=PRODUCTS.fields, count=5, rows=500, context="tienda en Madrid")

    result = await make_pools(pool_request, model, LIMITS.model_copy(update={"min_pool": 5, "max_retries": 3}))

    composition = result.compositions["name"]
    assert composition.size == 720
    assert composition.value(0) == "Zapatillas deportiva Sierra"
    assert result.pools["name"] == NAMES
    feedback = [str(prompt[-1].content) for prompt in model.prompts[2:]]
    assert "two slots touch" in feedback[0]
    assert "only 90 combinations" in feedback[1]


async def test_a_composition_that_never_passes_leaves_a_note() -> None:
    english = composition_reply("{0} {1}", [[f"Running shoes model {c}" for c in "ABCDEFGHIJ"], PLACES * 1])
    model = ScriptedChatModel(script=[values_reply("name", NAMES), english])
    pool_request = PoolRequest(table=PRODUCTS, fields=PRODUCTS.fields, count=5, rows=60, context="tienda en Madrid")

    result = await make_pools(pool_request, model, LIMITS.model_copy(update={"min_pool": 5}))

    assert result.compositions == {}
    assert result.pools["name"] == NAMES
    assert result.notes[-1].startswith("field name: the AI pool has fewer distinct values than the job has rows")


async def test_an_answer_cut_off_by_the_token_limit_keeps_its_complete_rows() -> None:
    # What langchain-openai makes of a tool call whose JSON the token limit cut: an invalid tool call.
    finished = ", ".join(f'{{"diagnosis": "{diagnosis}"}}' for diagnosis in DIAGNOSES[:6])
    cut = AIMessage(
        content="",
        invalid_tool_calls=[
            {
                "name": "Rows",
                "args": f'{{"rows": [{finished}, {{"diagnosis": "Fractura de cad',
                "id": "c1",
                "error": "x",
            }
        ],
        usage_metadata={"input_tokens": 50, "output_tokens": 50, "total_tokens": 100},
    )
    model = ScriptedChatModel(script=[cut, values_reply("diagnosis", DIAGNOSES[6:])])

    result = await make_pools(request(), model, LIMITS)

    assert result.pools["diagnosis"][:6] == DIAGNOSES[:6]
    assert "Fractura de cad" not in result.pools["diagnosis"]
    assert result.stats.first_call_kept == 6


def test_the_answer_schema_has_no_grammar_heavy_bounds() -> None:
    # A llama.cpp server compiles maxItems/maxLength into nested grammar rules: one call took minutes.
    single = analyze(TABLE, [TABLE.fields[1]], "", "es_ES")
    values = convert_to_openai_tool(answer_model(single))["function"]["parameters"]["properties"]["values"]

    assert values == {"description": values["description"], "items": {"type": "string"}, "type": "array"}
