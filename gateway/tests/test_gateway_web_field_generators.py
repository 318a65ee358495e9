"""The page shows what makes each field's values: a hint under each row of the design form (from the preview
endpoint) and a field list in a saved table's History card. The served field_generators.js is run under
Node.js (no browser) with a stand-in document that records the nodes built and refuses innerHTML, on what
the embedded platform's API returns for a definition with markup in its user data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing.flow import create_table
from dmb_testing.platform import embedded_client
from dmb_testing.web_scripts import find, run_script, walk

#: Form rows whose name and hint nodes the script reads and writes.
HARNESS = r"""
const {names, generators, table} = input;
const rows = names.map((name) => {
  const parts = {".f-name": new FakeNode("input"), ".f-values": new FakeNode("div")};
  parts[".f-name"].value = name;
  parts[".f-values"].textContent = "an earlier hint";
  return {querySelector: (selector) => parts[selector], hint: parts[".f-values"]};
});
script.showHints(rows, generators);
const hints = rows.map((row) => row.hint.textContent);
script.showHints(rows, []);
console.log(JSON.stringify({
  hints,
  cleared: rows.map((row) => row.hint.textContent),
  list: table ? script.renderFieldValues(table, document) : null,
}));
"""

HOSTILE = '<img src=x onerror="alert(1)">'

SHOP: dict[str, Any] = {
    "table_name": "shop",
    "fields": [
        {"name": "first_name", "type": "string"},
        {"name": "last_name", "type": "string"},
        {"name": "email", "type": "email"},
        {"name": "city", "type": "string"},
        {"name": "price", "type": "decimal"},
        {"name": "tag", "type": "string", "max_length": 60, "choices": [HOSTILE, "plain"]},
        {"name": "blurb", "type": "text", "generator": {"kind": "ai", "instructions": HOSTILE}},
    ],
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


def run(script: str, tmp_path: Path, **inputs: Any) -> dict[str, Any]:
    shown: dict[str, Any] = run_script(script, HARNESS, inputs, tmp_path)
    return shown


async def test_each_form_row_gets_its_hint_and_a_refused_definition_clears_them(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    preview = await client.post("/api/v1/tables/generators", json=SHOP)
    assert preview.status_code == 200, preview.text
    script = (await client.get("/static/field_generators.js")).text
    # The form as typed: a row renamed after the request was sent, and a new row not named yet.
    names = [field["name"] for field in SHOP["fields"]] + ["renamed_meanwhile", ""]

    shown = run(script, tmp_path, names=names, generators=preview.json()["generators"], table=None)

    assert shown["hints"] == [
        "values: faker first_name() (inferred from its name and type)",
        "values: faker last_name() (inferred from its name and type)",
        "values: template {first_name|ascii|lower}.{last_name|ascii|lower}@example.com "
        "(built from first_name and last_name)",
        "values: faker city() (inferred from its name and type)",
        "values: range 1 … 1000 (inferred from its name and type)",
        f"values: choices: {HOSTILE}, plain (from its choices)",
        f"values: AI: {HOSTILE} (your generator; if the AI step fails: faker paragraph())",
        "",
        "",
    ]
    assert shown["cleared"] == [""] * len(names)


async def test_a_saved_tables_fields_are_listed_with_their_values(client: httpx.AsyncClient, tmp_path: Path) -> None:
    table = await create_table(client, SHOP)
    script = (await client.get("/static/field_generators.js")).text

    listed = run(script, tmp_path, names=[], generators=[], table=table)["list"]

    assert listed["tag"] == "table"
    assert find(listed, "caption")[0]["text"] == "Fields of version 1 and their values"
    assert [th["text"] for th in find(listed, "th")] == ["Field", "Type", "Values"]
    rows = find(find(listed, "tbody")[0], "tr")
    cells = [[" ".join(each["text"] for each in walk(td) if each["text"]) for td in row["children"]] for row in rows]
    assert cells == [
        ["first_name", "string", "faker first_name()  (inferred from its name and type)"],
        ["last_name", "string", "faker last_name()  (inferred from its name and type)"],
        [
            "email",
            "email",
            "template {first_name|ascii|lower}.{last_name|ascii|lower}@example.com  (built from first_name and last_name)",
        ],
        ["city", "string", "faker city()  (inferred from its name and type)"],
        ["price", "decimal", "range 1 … 1000  (inferred from its name and type)"],
        ["tag", "string", f"choices: {HOSTILE}, plain  (from its choices)"],
        ["blurb", "text", f"AI: {HOSTILE}  (your generator) if the AI step fails: faker paragraph()"],
    ]
    # The markup stays text: the only elements are the ones the script made.
    assert {each["tag"] for each in walk(listed)} == {
        "table",
        "caption",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "span",
        "div",
    }
