"""`dmb ai`: tables designed from a sentence, values suggested for a column, and your own model settings.

A design or a vocabulary is a proposal: it is printed for review, and only `--create` / `--apply` change
anything, through the ordinary table endpoints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from dmb_cli.calls import call, fail, wait
from dmb_cli.client import ApiError, Client

ai_app = typer.Typer(
    help="Let the AI design tables and suggest column values; set your own model.", no_args_is_help=True
)

#: A CPU model takes minutes per answer; a remote one seconds.
AI_WAIT_SECONDS = 1800
TABLE_WAIT_SECONDS = 600


#: Exit code after Ctrl-C (128 + SIGINT), as a shell reports an interrupted command.
INTERRUPTED = 130


def _proposal(kind: str, body: dict[str, Any], failed: str) -> dict[str, Any]:
    """Ask for a design or a vocabulary and wait for the model's answer; a failure ends the command. Ctrl-C while
    waiting cancels the request on the platform, so the AI stops its model calls instead of finishing unseen."""
    started = call("POST", f"/ai/{kind}", json=body)
    typer.echo(f"asked ({started['id']}); waiting for the model (Ctrl-C cancels) ...", err=True)
    try:
        result: dict[str, Any] = wait(
            f"/ai/{kind}/{started['id']}", ("proposed", "failed", "cancelled"), timeout=AI_WAIT_SECONDS, every=1
        )
    except KeyboardInterrupt:
        _cancel_interrupted(kind, started["id"])
        raise typer.Exit(INTERRUPTED) from None
    if result["status"] == "failed":
        fail(f"{failed}: {result['reason']}")
    if result["status"] == "cancelled":  # cancelled from elsewhere (the web UI, `dmb ai cancel-...`)
        fail(f"{started['id']} was cancelled")
    return result


def _cancel_interrupted(kind: str, key: str) -> None:
    """The cancel sent on Ctrl-C; a request that finished meanwhile is left as it is (409: said, not an error)."""
    try:
        cancelled = Client().request("POST", f"/ai/{kind}/{key}/cancel")
    except ApiError as error:
        if error.status != 409:
            fail(f"the AI may still be working on {key}: {error}")
        typer.echo(f"{key}: {error}", err=True)
        return
    typer.echo(f"{key}  {cancelled['status']}", err=True)


def _field_line(field: dict[str, Any]) -> str:
    extras = []
    if field.get("primary_key"):
        extras.append("primary key")
    if field.get("unique"):
        extras.append("unique")
    if field.get("nullable"):
        extras.append("nullable")
    if field.get("references"):
        extras.append(f"-> {field['references']['table']}.{field['references']['field']}")
    if field.get("choices"):
        extras.append("choices: " + ", ".join(str(choice) for choice in field["choices"]))
    for bound in ("min", "max", "max_length"):
        if field.get(bound) is not None:
            extras.append(f"{bound} {field[bound]}")
    generator = field.get("generator")
    if generator and generator.get("kind") == "faker":
        extras.append(f"faker {generator['provider']}")
    return f"    {field['name']:<24} {field['type']:<12} {'; '.join(extras)}".rstrip()


def design_lines(design: dict[str, Any]) -> list[str]:
    """A proposed design as a reader reviews it: tables in creation order, their fields, then the repairs."""
    lines = [f"design {design['id']}: {len(design['tables'])} table(s), parents first"]
    for table in design["tables"]:
        lines.append(f"  {table['table_name']}" + (f"  ({table['description']})" if table.get("description") else ""))
        lines.extend(_field_line(field) for field in table["fields"])
    if design.get("notes"):
        lines.append("repaired or dropped from the model's answer:")
        lines.extend(f"  - {note}" for note in design["notes"])
    return lines


@ai_app.command("design")
def design(
    sentence: Annotated[str, typer.Argument(help='What the tables are about, e.g. "patients of a Spanish hospital".')],
    locale: Annotated[str, typer.Option(help="Locale of the data, e.g. es_ES.")] = "en_US",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write each proposed table to DIR/<table>.json (for `dmb tables create`).",
            file_okay=False,
        ),
    ] = None,
    create: Annotated[bool, typer.Option("--create", help="Create the proposed tables, parents first.")] = False,
) -> None:
    """Ask the AI for table definitions; print them for review (nothing is created without --create)."""
    result = _proposal("designs", {"sentence": sentence, "locale": locale}, "the design failed")
    for line in design_lines(result):
        typer.echo(line)
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        for table in result["tables"]:
            target = output / f"{table['table_name']}.json"
            target.write_text(json.dumps(table, indent=2, ensure_ascii=False) + "\n")
            typer.echo(f"wrote {target}", err=True)
    if create:
        for table in result["tables"]:
            _create(table)


def _create(spec: dict[str, Any]) -> None:
    created = call("POST", "/tables", json=spec)
    table = wait(f"/tables/{created['id']}", ("created", "rejected"), timeout=TABLE_WAIT_SECONDS)
    if table["status"] == "rejected":
        fail(f"table {table['table_name']} was rejected: {table['reason']}")
    typer.echo(f"{table['id']}  {table['table_name']}  {table['status']}")


def vocabulary_lines(vocabulary: dict[str, Any]) -> list[str]:
    width = max(len(str(value)) for value in vocabulary["values"])
    lines = [f"values for {vocabulary['field']} (table version {vocabulary['table_version']}):"]
    for value, weight in zip(vocabulary["values"], vocabulary["weights"], strict=True):
        lines.append(f"  {value!s:<{width}}  {weight * 100:5.1f}%")
    lines.extend(f"  - {note}" for note in vocabulary.get("notes", []))
    return lines


@ai_app.command("suggest")
def suggest(
    table_id: str,
    field: str,
    context: Annotated[str, typer.Option(help="What the data is for, e.g. 'a Spanish film catalogue'.")] = "",
    locale: Annotated[str, typer.Option(help="Locale of the values.")] = "en_US",
    apply: Annotated[
        bool, typer.Option("--apply", help="Alter the table so the field draws from these values with these weights.")
    ] = False,
) -> None:
    """Ask the AI for the values a text field takes, with how common each is; print them for review."""
    body = {"table_id": table_id, "field": field, "context": context, "locale": locale}
    result = _proposal("vocabularies", body, "no values")
    for line in vocabulary_lines(result):
        typer.echo(line)
    if apply:
        _apply(table_id, result)


def _apply(table_id: str, vocabulary: dict[str, Any]) -> None:
    table = call("GET", f"/tables/{table_id}")
    if table["version"] != vocabulary["table_version"]:
        fail(
            f"the table changed since the values were proposed (version {vocabulary['table_version']}, now "
            f"{table['version']}); ask again"
        )
    spec = table["spec"]
    generator = {"kind": "choices", "values": vocabulary["values"], "weights": vocabulary["weights"]}
    spec["fields"] = [
        {**spec_field, "generator": generator} if spec_field["name"] == vocabulary["field"] else spec_field
        for spec_field in spec["fields"]
    ]
    call("PUT", f"/tables/{table_id}", json={"expected_version": table["version"], "spec": spec})
    altered = wait(f"/tables/{table_id}", ("created", "rejected", "dropped"), timeout=TABLE_WAIT_SECONDS)
    if altered["version"] <= table["version"]:
        fail(f"the change was refused: {altered['reason'] or altered['status']}")
    typer.echo(f"{altered['id']}  {altered['table_name']}  now at version {altered['version']}")


@ai_app.command("cancel-design")
def cancel_design(design_id: str) -> None:
    """Cancel a design still in the works (its id is printed by `dmb ai design`): the AI stops its model calls."""
    typer.echo(f"{design_id}  {call('POST', f'/ai/designs/{design_id}/cancel')['status']}")


@ai_app.command("cancel-suggest")
def cancel_suggest(vocabulary_id: str) -> None:
    """Cancel values still being suggested (the id printed by `dmb ai suggest`): the AI stops its model calls."""
    typer.echo(f"{vocabulary_id}  {call('POST', f'/ai/vocabularies/{vocabulary_id}/cancel')['status']}")


def settings_lines(settings: dict[str, Any]) -> list[str]:
    if settings["source"] == "none":
        return ["no AI model: set yours with `dmb ai settings --model M [--base-url URL] --api-key`"]
    whose = "yours" if settings["source"] == "user" else "the platform's default"
    key = "not set"
    if settings["api_key_set"]:
        key = f"set (…{settings['api_key_last4']})" if settings.get("api_key_last4") else "set"
    lines = [f"model: {settings['model']} ({whose})"]
    if settings["source"] == "user":
        lines.append(f"base URL: {settings['base_url'] or 'OpenAI'}")
    lines.append(f"API key: {key}")
    return lines


@ai_app.command("settings")
def settings(
    model: Annotated[
        str | None, typer.Option(help="Your model, e.g. gpt-4o-mini (setting it saves your settings).")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="Your OpenAI-compatible endpoint (default: OpenAI's).")] = None,
    api_key: Annotated[bool, typer.Option("--api-key", help="Ask for your API key (typed, not shown).")] = False,
    api_key_stdin: Annotated[bool, typer.Option("--api-key-stdin", help="Read your API key from stdin.")] = False,
    clear_key: Annotated[bool, typer.Option("--clear-key", help="Remove your stored key.")] = False,
    delete: Annotated[
        bool, typer.Option("--delete", help="Forget your settings; the platform's default applies.")
    ] = False,
) -> None:
    """Show which model answers you, or set yours. The key is stored encrypted and never shown again."""
    if delete:
        call("DELETE", "/ai/settings")
    elif model is not None:
        if base_url is None:  # keep the endpoint already set: changing the model or key should not reset it
            current = call("GET", "/ai/settings")
            base_url = current["base_url"] if current["source"] == "user" else None
        body: dict[str, Any] = {"model": model, "base_url": base_url, "clear_api_key": clear_key}
        if api_key_stdin:
            body["api_key"] = sys.stdin.readline().strip()
        elif api_key:
            body["api_key"] = typer.prompt("API key", hide_input=True)
        call("PUT", "/ai/settings", json=body)
    elif base_url is not None or api_key or api_key_stdin or clear_key:
        fail("say which model with --model when you change your settings")
    for line in settings_lines(call("GET", "/ai/settings")):
        typer.echo(line)
