"""`dmb ai` against the embedded platform served over HTTP, with a scripted OpenAI-compatible endpoint as the
model: settings without echoing the key, a design printed for review then written and created, values
suggested for a column and applied as a new version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from dmb_cli import ai
from dmb_cli.calls import call
from dmb_cli.main import app
from dmb_testing.fake_openai import FakeOpenAI, fake_openai
from dmb_testing.platform import live_embedded
from typer.testing import CliRunner

KEY = "sk-cli-test-key-0000-WXYZ"
DESIGN = {
    "tables": [
        {
            "table_name": "loans",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "book_id", "type": "foreign_key", "references": "books.id"},
                {"name": "returned", "type": "boolean"},
            ],
        },
        {
            "table_name": "books",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "title", "type": "string", "max_length": 200},
                {"name": "genre", "type": "string"},
            ],
        },
    ]
}
VALUES = {
    "values": [{"value": "Novela", "weight": 6}, {"value": "Poesía", "weight": 2}, {"value": "Ensayo", "weight": 2}]
}


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with fake_openai(DESIGN, VALUES) as fake, live_embedded(tmp_path / "data") as url:
        monkeypatch.setenv("DMB_URL", url)
        monkeypatch.delenv("DMB_TOKEN", raising=False)
        yield fake


def dmb(*args: str | Path, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], input=stdin)


def ok(*args: str | Path, stdin: str | None = None) -> str:
    result = dmb(*args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_design_then_suggest_then_apply_through_the_cli(model: FakeOpenAI, tmp_path: Path) -> None:
    assert "no AI model" in ok("ai", "settings")
    shown = ok(
        "ai", "settings", "--model", "fake-model", "--base-url", model.base_url, "--api-key-stdin", stdin=KEY + "\n"
    )
    assert KEY not in shown
    assert "API key: set (…WXYZ)" in shown

    designed = ok("ai", "design", "a library with books and loans", "-o", tmp_path / "out", "--create")

    assert designed.index("  books") < designed.index("  loans")
    assert "book_id                  foreign_key  -> books.id" in designed
    written = json.loads((tmp_path / "out" / "books.json").read_text())
    assert [field["name"] for field in written["fields"]] == ["id", "title", "genre"]
    books_id = next(line.split()[0] for line in designed.splitlines() if line.endswith("books  created"))

    suggested = ok("ai", "suggest", books_id, "genre", "--locale", "es_ES", "--apply")

    assert "Novela   60.0%" in suggested
    assert "now at version 2" in suggested
    table: dict[str, Any] = json.loads(ok("tables", "show", books_id))
    genre = next(field for field in table["spec"]["fields"] if field["name"] == "genre")
    assert genre["generator"] == {
        "kind": "choices",
        "values": ["Novela", "Poesía", "Ensayo"],
        "weights": [0.6, 0.2, 0.2],
    }


def test_a_refused_suggestion_says_why(model: FakeOpenAI, tmp_path: Path) -> None:
    ok("ai", "settings", "--model", "fake-model", "--base-url", model.base_url)
    ok("ai", "design", "a library", "--create")
    loans_id = next(line.split()[0] for line in ok("tables", "list").splitlines() if line.split()[1] == "loans")

    result = dmb("ai", "suggest", loans_id, "returned")

    assert result.exit_code == 1
    assert "vocabularies are for text fields; 'returned' is boolean" in result.output


def test_ctrl_c_while_waiting_cancels_the_design_on_the_platform(
    model: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("ai", "settings", "--model", "fake-model", "--base-url", model.base_url)
    model.delay_seconds = 2  # a slow model: the design is still pending when the user presses Ctrl-C
    polled: list[str] = []

    def interrupted(path: str, *args: Any, **kwargs: Any) -> Any:
        polled.append(call("GET", path)["status"])
        raise KeyboardInterrupt

    monkeypatch.setattr(ai, "wait", interrupted)

    result = dmb("ai", "design", "a library with books and loans")

    assert result.exit_code == ai.INTERRUPTED, result.output
    assert polled == ["pending"]
    design_id = result.output.split("asked (")[1].split(")")[0]
    assert f"{design_id}  cancelled" in result.output
    assert call("GET", f"/ai/designs/{design_id}")["status"] == "cancelled"
    again = dmb("ai", "cancel-design", design_id)
    assert again.exit_code == 1
    assert f"Design {design_id} is already cancelled" in again.output
