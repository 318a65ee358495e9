"""The published JSON Schemas and AsyncAPI document are exactly what the models generate."""

from pathlib import Path

from dmb_contracts.publish import main, render
from dmb_contracts.registry import MESSAGE_TYPES

DOCS = Path(__file__).resolve().parents[3] / "docs" / "contracts"


def test_committed_contracts_match_the_models() -> None:
    assert main([str(DOCS), "--check"]) == 0, "docs/contracts is stale: run `make contracts` and commit"


def test_every_message_has_a_schema_and_an_asyncapi_channel() -> None:
    files = render(DOCS)
    assert DOCS / "asyncapi.json" in files
    assert len(files) == len(MESSAGE_TYPES) + 1  # a schema per message + the AsyncAPI document


def test_a_stale_schema_is_detected(tmp_path: Path) -> None:
    for path, text in render(tmp_path).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert main([str(tmp_path), "--check"]) == 0
    next((tmp_path / "schemas").glob("*.json")).write_text("{}")
    assert main([str(tmp_path), "--check"]) == 1
