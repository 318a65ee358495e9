"""`dmb` commands for designing and browsing, as the web UI's builder and table page offer them: the values
catalogue, the starter templates, a preview of a definition's first rows, and a page of a table's rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dmb_cli.calls import call as _call
from dmb_cli.calls import fail as _fail


def _grid(columns: list[str], rows: list[list[str | None]]) -> str:
    """Rows as aligned text columns; an empty value shows as `-`."""
    cells = [columns, *[["-" if value is None else value for value in row] for row in rows]]
    widths = [min(40, max(len(row[i]) for row in cells)) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell[:40].ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells
    )


def generators(
    search: Annotated[str, typer.Argument(help="Words to look for (e.g. 'phone', 'iban').")] = "",
    group: Annotated[str | None, typer.Option(help="Only this group (Person, Address, Internet, ...).")] = None,
) -> None:
    """List the generators a field may use (Faker providers by group, each with an example; the kinds you
    configure), as the web UI's values picker shows them."""
    catalogue = _call("GET", "/generators/catalogue")
    words = search.lower().split()
    for entry in catalogue["entries"]:
        text = f"{entry['label']} {entry['group']} {entry['description']} {entry.get('provider') or ''}".lower()
        if (group and entry["group"].lower() != group.lower()) or not all(word in text for word in words):
            continue
        name = entry["provider"] if entry["kind"] == "faker" else entry["kind"]
        typer.echo(f"{entry['group']:<9} {name:<28} {entry['example'] or entry['description']}")


def starters(
    key: Annotated[str | None, typer.Argument(help="A starter's key: write its table definitions.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder for the definitions.")] = None,
) -> None:
    """List the starter templates; with a KEY, print (or write to --output) its table definitions, parents
    first, ready for `dmb tables create`."""
    items = _call("GET", "/starters")
    if key is None:
        for item in items:
            tables = " + ".join(table["spec"]["table_name"] for table in item["tables"])
            typer.echo(f"{item['key']:<18} {tables:<22} {item['description']}")
        return
    chosen = next((item for item in items if item["key"] == key), None)
    if chosen is None:
        _fail(f"no starter {key!r}; the starters are {', '.join(item['key'] for item in items)}")
    for table in chosen["tables"]:
        text = json.dumps(table["spec"], indent=2)
        if output is None:
            typer.echo(text)
            continue
        output.mkdir(parents=True, exist_ok=True)
        target = output / f"{table['spec']['table_name']}.json"
        target.write_text(text + "\n")
        typer.echo(f"wrote {target} (suggested rows: {table['rows']})")


def preview(
    spec_file: Annotated[Path, typer.Argument(help="A JSON table definition.", exists=True, dir_okay=False)],
    rows: Annotated[int, typer.Option(min=1, max=50)] = 10,
    seed: Annotated[int, typer.Option(min=0, help="A job with this seed starts with these rows.")] = 0,
    locale: str = "en_US",
) -> None:
    """Show the first rows a job with this definition, seed and locale would write (nothing is stored)."""
    try:
        document = json.loads(spec_file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"cannot read {spec_file}: {exc}")
    spec = document["spec"] if isinstance(document, dict) and "spec" in document else document
    shown = _call("POST", "/tables/preview", json={"spec": spec, "rows": rows, "seed": seed, "locale": locale})
    if shown["problem"]:
        _fail(shown["problem"])
    typer.echo(_grid(shown["columns"], shown["rows"]))


def rows(
    table_id: str,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    sort: Annotated[str | None, typer.Option(help="A field to sort by.")] = None,
    desc: Annotated[bool, typer.Option("--desc", help="Sort descending.")] = False,
    filters: Annotated[
        list[str] | None, typer.Option("--filter", help="FIELD=TEXT: rows whose FIELD contains TEXT (repeatable).")
    ] = None,
) -> None:
    """Show a page of a table's rows, sorted and filtered as in the web UI's data browser."""
    params: dict[str, str | int] = {"limit": limit, "offset": offset, "order": "desc" if desc else "asc"}
    if sort:
        params["sort"] = sort
    for entry in filters or []:
        field, sep, text = entry.partition("=")
        if not sep:
            _fail(f"--filter {entry!r}: write FIELD=TEXT")
        params[f"filter.{field}"] = text
    page = _call("GET", f"/tables/{table_id}/rows", params=params)
    typer.echo(_grid([column["name"] for column in page["columns"]], page["rows"]))
    last = page["offset"] + len(page["rows"])
    typer.echo(f"rows {page['offset'] + 1 if page['rows'] else 0}-{last} of {page['total']}")


def register(tables: typer.Typer, root: typer.Typer) -> None:
    tables.command("preview")(preview)
    tables.command("rows")(rows)
    tables.command("starters")(starters)
    root.command("generators")(generators)
