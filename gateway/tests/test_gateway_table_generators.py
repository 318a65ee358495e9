"""What makes each field's values, over the REST API: every table representation lists it (computed from the
stored definition), and POST /api/v1/tables/generators previews it for a definition not saved yet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing.flow import create_table, wait_for
from dmb_testing.platform import embedded_client

PEOPLE: dict[str, Any] = {
    "table_name": "people",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "first_name", "type": "string", "max_length": 60},
        {"name": "last_name", "type": "string", "max_length": 60},
        {"name": "email", "type": "email"},
        {"name": "city", "type": "string", "generator": {"kind": "ai", "instructions": "cities in France"}},
        {"name": "price", "type": "decimal", "precision": 8, "scale": 2},
        {"name": "size", "type": "string", "max_length": 2, "choices": ["S", "M", "L"]},
        {"name": "joined", "type": "date", "generator": {"kind": "range", "min": "2020-01-01", "max": "2024-12-31"}},
    ],
}

#: (field, source, explanation) of PEOPLE: what a user of the API, the web UI or the CLI is shown.
PEOPLE_SHOWN = [
    ("id", "inferred", "sequence from 1, step 1 (inferred from its name and type)"),
    ("first_name", "inferred", "faker first_name() (inferred from its name and type)"),
    ("last_name", "inferred", "faker last_name() (inferred from its name and type)"),
    (
        "email",
        "coherent",
        "template {first_name|ascii|lower}.{last_name|ascii|lower}@example.com (built from first_name and last_name)",
    ),
    ("city", "set", "AI: cities in France (your generator; if the AI step fails: faker city())"),
    ("price", "inferred", "range 1 … 1000 (inferred from its name and type)"),
    ("size", "constraint", "choices: S, M, L (from its choices)"),
    ("joined", "set", "range 2020-01-01 … 2024-12-31 (your generator)"),
]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


def shown(generators: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(each["name"], each["source"], each["explanation"]) for each in generators]


async def test_a_table_lists_what_makes_each_fields_values(client: httpx.AsyncClient) -> None:
    table = await create_table(client, PEOPLE)

    fetched = (await client.get(f"/api/v1/tables/{table['id']}")).json()
    [listed] = (await client.get("/api/v1/tables")).json()["items"]

    assert shown(fetched["generators"]) == PEOPLE_SHOWN
    assert listed["generators"] == fetched["generators"]
    email = fetched["generators"][3]
    assert email["generator"] == {
        "kind": "template",
        "template": "{first_name|ascii|lower}.{last_name|ascii|lower}@example.com",
    }
    city = fetched["generators"][4]
    assert city["fallback"] == {"kind": "faker", "provider": "city", "args": {}}
    assert city["fallback_summary"] == "faker city()"
    assert fetched["generators"][0]["fallback"] is None


async def test_a_changed_table_shows_the_generators_of_its_new_version(client: httpx.AsyncClient) -> None:
    table = await create_table(client, PEOPLE)
    changed = PEOPLE | {"fields": [*PEOPLE["fields"][:3], {"name": "town", "type": "string"}]}

    response = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": changed})
    assert response.status_code == 202, response.text
    fetched = await wait_for(client, f"/api/v1/tables/{table['id']}", {"created", "rejected"})

    assert (fetched["status"], fetched["version"]) == ("created", 2), fetched
    assert [(each["name"], each["summary"]) for each in fetched["generators"]][-1] == ("town", "faker city()")


async def test_the_preview_shows_an_unsaved_definition_and_saves_nothing(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tables/generators", json=PEOPLE)

    assert response.status_code == 200, response.text
    assert shown(response.json()["generators"]) == PEOPLE_SHOWN
    assert (await client.get("/api/v1/tables")).json()["total"] == 0


async def test_the_preview_follows_edits_of_names_and_types(client: httpx.AsyncClient) -> None:
    spec = {"table_name": "draft", "fields": [{"name": "contact", "type": "string"}]}
    renamed = {"table_name": "draft", "fields": [{"name": "contact_email", "type": "string"}]}
    retyped = {"table_name": "draft", "fields": [{"name": "contact", "type": "email"}]}

    summaries = [
        (await client.post("/api/v1/tables/generators", json=each)).json()["generators"][0]["summary"]
        for each in (spec, renamed, retyped)
    ]

    assert summaries == ["faker word()", "faker email()", "faker email()"]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ([{"name": "flag", "type": "boolean", "unique": True}], "flag: a boolean field has only two values"),
        ([{"name": "code", "type": "integer", "pattern": "[0-9]+"}], "code: a pattern applies to text fields"),
        ([{"name": "city", "type": "string"}, {"name": "city", "type": "text"}], "field name 'city' is used twice"),
        ([{"name": "x; drop table users", "type": "string"}], "not a valid name"),
    ],
)
async def test_an_invalid_definition_gets_the_same_422_as_creating_it(
    client: httpx.AsyncClient, fields: list[dict[str, Any]], words: str
) -> None:
    spec = {"table_name": "draft", "fields": fields}

    preview = await client.post("/api/v1/tables/generators", json=spec)
    creation = await client.post("/api/v1/tables", json=spec)

    assert preview.status_code == creation.status_code == 422, preview.text
    assert preview.json() == creation.json()
    assert words in preview.json()["message"]


async def test_the_openapi_schema_documents_the_generators(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()

    table = schema["components"]["schemas"]["TablePublic"]
    assert "generators" in table["required"]
    assert table["properties"]["generators"]["items"] == {"$ref": "#/components/schemas/FieldGenerator"}
    preview = schema["paths"]["/api/v1/tables/generators"]["post"]
    creation = schema["paths"]["/api/v1/tables"]["post"]
    assert preview["requestBody"]["content"] == creation["requestBody"]["content"]
    assert set(preview["responses"]) >= {"200", "422"}
    sources = schema["components"]["schemas"]["FieldGenerator"]["properties"]["source"]["enum"]
    assert sources == ["set", "constraint", "inferred", "coherent"]
