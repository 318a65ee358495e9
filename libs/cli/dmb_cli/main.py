"""The `dmb` API client commands: drive the platform (tables, jobs, exports, dead letters) from a terminal.

The platform app (apps/platform, dmb_platform.main) adds `run`, `serve` and `users` to this same command."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from dmb_contracts.statuses import EXPORT_FINISHED, JOB_FINISHED, ExportStatus, JobStatus

from dmb_cli import accounts, admin, dead_letters, design
from dmb_cli.ai import ai_app
from dmb_cli.ai_options import AIBaseUrl, AIContext, AIKey, AIModel, ai_options, ai_progress_line
from dmb_cli.calls import call as _call
from dmb_cli.calls import fail as _fail
from dmb_cli.calls import wait as _wait
from dmb_cli.client import ApiError, Client
from dmb_cli.field_generators import generators_table
from dmb_cli.job_report import report_table, timing_line

app = typer.Typer(
    help="Dynamic Model Builder: design tables, fill them with realistic data, export them.", no_args_is_help=True
)
tables_app = typer.Typer(help="Design, list and drop tables.", no_args_is_help=True)
jobs_app = typer.Typer(help="Follow and cancel generation jobs.", no_args_is_help=True)
exports_app = typer.Typer(help="List and download exports.", no_args_is_help=True)
app.add_typer(tables_app, name="tables")
app.add_typer(jobs_app, name="jobs")
app.add_typer(exports_app, name="exports")
accounts.register(app)
app.add_typer(admin.admin_app, name="admin")
app.add_typer(dead_letters.app, name="dead-letters")
app.add_typer(ai_app, name="ai")


class Dialect(enum.StrEnum):
    AUTO = "auto"
    POSTGRES = "postgres"
    MYSQL = "mysql"
    SQLITE = "sqlite"


Replace = Annotated[
    bool,
    typer.Option(
        "--replace",
        help="Remove the rows already there first (default: append, sequences continuing after them).",
    ),
]


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        _fail(f"{path} is not valid JSON: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")


def _create_table(spec: Any, wait: bool) -> None:
    table = _call("POST", "/tables", json=spec)
    if wait:
        table = _wait(f"/tables/{table['id']}", ("created", "rejected"))
    if table["status"] == "rejected":
        _fail(f"table {table['table_name']} was rejected: {table['reason']}")
    typer.echo(f"{table['id']}  {table['table_name']}  {table['status']}")


def _create_set(specs: list[Any], wait: bool) -> None:
    """Create the tables in one action (parents first, all or none); a line per table."""
    created = _call("POST", "/tables/sets", json={"tables": specs})
    tables = created["tables"]
    if wait:
        tables = [_wait(f"/tables/{table['id']}", ("created", "rejected")) for table in tables]
    for table in tables:
        typer.echo(f"{table['id']}  {table['table_name']}  {table['status']}")
    rejected = [table for table in tables if table["status"] == "rejected"]
    if rejected:
        _fail(f"the set was not created (no table of it was): {rejected[0]['reason']}")


@tables_app.command("create")
def tables_create(
    spec_file: Annotated[
        Path,
        typer.Argument(
            help='A JSON table definition, or {"tables": [definitions...]} (as `tables import -o` writes for '
            "several tables) to create them in one action.",
            exists=True,
            dir_okay=False,
        ),
    ],
    wait: bool = True,
) -> None:
    """Create a table (or a set of tables, parents first, all or none) from JSON and wait until it exists."""
    document = _read_json(spec_file)
    if isinstance(document, dict) and "tables" in document and "fields" not in document:
        _create_set(list(document["tables"]), wait)
    else:
        _create_table(document, wait)


@tables_app.command("import")
def tables_import(
    sql_file: Annotated[
        Path | None,
        typer.Argument(
            help="A SQL file: one CREATE TABLE statement or a whole schema dump (pg_dump --schema-only, "
            "mysqldump --no-data, SQLite's .schema).",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    dialect: Annotated[
        Dialect, typer.Option(help="The file's SQL dialect; auto tells it from the marks of the dump tool.")
    ] = Dialect.POSTGRES,
    url: Annotated[
        str | None, typer.Option(help="Instead of a file: a database URL whose existing table to read (admins).")
    ] = None,
    table: Annotated[
        str | None, typer.Option(help="With --url: the existing table's name (default: every table of --schema).")
    ] = None,
    schema: Annotated[str | None, typer.Option(help="With --url: its PostgreSQL schema or MySQL database.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the proposed spec to this file.")] = None,
    create: Annotated[
        bool, typer.Option("--create", help="Create the proposed tables in one action (parents first) and wait.")
    ] = False,
) -> None:
    """Propose table definitions from a SQL file (or, with --url, an existing table or schema).

    Review and edit the proposal (and its warnings), then `dmb tables create`; or --create it as proposed.
    One table is written as its definition; several as {"tables": [...]}, parents first.
    """
    if (sql_file is None) == (url is None):
        _fail("give either a SQL file or --url (with --table, or --schema for every table)")
    if url is not None:
        body: dict[str, Any] = {"url": url}
        if table:
            body["table"] = table
        if schema:
            body["schema"] = schema
        proposal = _call("POST", "/tables/import/database", json=body)
    else:
        assert sql_file is not None
        try:
            sql = sql_file.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {sql_file}: {exc}")
        proposal = _call("POST", "/tables/import", json={"sql": sql, "dialect": dialect.value})
        if dialect is Dialect.AUTO and proposal.get("dialect"):
            typer.secho(f"note: read as {proposal['dialect']} SQL (--dialect to say otherwise)", err=True)
    tables = proposal["tables"]
    several = len(tables) > 1
    for proposed in tables:
        prefix = f"{proposed['spec']['table_name']}: " if several else ""
        for warning in proposed["warnings"]:
            typer.secho(f"warning: {prefix}{warning}", fg=typer.colors.YELLOW, err=True)
    for note in proposal.get("notes", []):
        typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)
    document = {"tables": [proposed["spec"] for proposed in tables]} if several else tables[0]["spec"]
    if output is not None:
        try:
            output.write_text(json.dumps(document, indent=2) + "\n")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc}")
        typer.echo(f"saved the proposed {'set' if several else 'spec'} to {output}", err=True)
    elif not create:
        _print(document)
    if create:
        if several:
            _create_set([proposed["spec"] for proposed in tables], wait=True)
        else:
            _create_table(tables[0]["spec"], wait=True)


def _spec_of(document: Any) -> Any:
    """A table definition read from a file: the definition itself, or the output of `tables show`."""
    if isinstance(document, dict) and "fields" not in document and "spec" in document:
        return document["spec"]
    return document


@tables_app.command("alter")
def tables_alter(
    table_id: str,
    spec_file: Annotated[
        Path,
        typer.Argument(
            help="The whole new definition (JSON), or the output of `tables show` edited.", exists=True, dir_okay=False
        ),
    ],
    expected_version: Annotated[
        int | None,
        typer.Option(min=1, help="The version this change was made against (default: the table's current one)."),
    ] = None,
) -> None:
    """Change a table's definition as a new version and wait for the migration's outcome.

    A renamed field keeps its rows when it says "renamed_from"; a field left out is dropped.
    A refused change (e.g. existing rows break a new rule) changes nothing and prints the reason.
    """
    spec = _spec_of(_read_json(spec_file))
    if expected_version is None:
        expected_version = int(_call("GET", f"/tables/{table_id}")["version"])
    _call("PUT", f"/tables/{table_id}", json={"expected_version": expected_version, "spec": spec})
    table = _wait(f"/tables/{table_id}", ("created", "rejected", "dropped"))
    if table["version"] <= expected_version:
        _fail(f"the change was refused: {table['reason'] or table['status']}")
    typer.echo(f"{table['id']}  {table['table_name']}  now at version {table['version']}")


@tables_app.command("restore")
def tables_restore(
    table_id: str,
    version: Annotated[int, typer.Argument(min=1, help="The earlier version whose definition to bring back.")],
    expected_version: Annotated[
        int | None,
        typer.Option(min=1, help="The version this restore is asked against (default: the table's current one)."),
    ] = None,
) -> None:
    """Bring back an earlier version's definition as a new version and wait for the migration's outcome.

    Fields renamed since keep their rows. A refused restore (e.g. rows added since do not fit the old
    definition) changes nothing and prints the reason.
    """
    if expected_version is None:
        expected_version = int(_call("GET", f"/tables/{table_id}")["version"])
    _call("POST", f"/tables/{table_id}/versions/{version}/restore", json={"expected_version": expected_version})
    table = _wait(f"/tables/{table_id}", ("created", "rejected", "dropped"))
    if table["version"] <= expected_version:
        _fail(f"the restore was refused: {table['reason'] or table['status']}")
    typer.echo(f"{table['id']}  {table['table_name']}  restored version {version} as version {table['version']}")


@tables_app.command("versions")
def tables_versions(table_id: str) -> None:
    """A table's versions, oldest first, each with what changed."""
    for item in _call("GET", f"/tables/{table_id}/versions")["items"]:
        changes = "; ".join(item["changes"]) or "created"
        typer.echo(f"v{item['version']:<4} {item['created_at']}  {item['table_name']}: {changes}")


@tables_app.command("migrations")
def tables_migrations(
    table_id: str, as_json: Annotated[bool, typer.Option("--json", help="The log as JSON.")] = False
) -> None:
    """A table's migration log, newest first: what each migration changed, applied or rolled back (and why)."""
    log = _call("GET", f"/tables/{table_id}/migrations")
    if as_json:
        _print(log)
        return
    for item in log["items"]:
        versions = " → ".join(f"v{v}" for v in (item["from_version"], item["to_version"]) if v is not None)
        status = item["status"].replace("_", " ")
        typer.echo(f"{item['recorded_at']}  {item['action']} {versions}  {status}  {item['seconds']:.2f} s")
        for line in item["changes"]:
            typer.echo(f"    {line}")
        if item["reason"]:
            typer.echo(f"    reason: {item['reason']}")


@tables_app.command("version")
def tables_version(table_id: str, version: Annotated[int, typer.Argument(min=1)]) -> None:
    """One version of a table's definition (JSON), as it was then."""
    _print(_call("GET", f"/tables/{table_id}/versions/{version}"))


@tables_app.command("diff")
def tables_diff(
    table_id: str,
    from_version: Annotated[int, typer.Argument(min=1)],
    to_version: Annotated[int, typer.Argument(min=1)],
) -> None:
    """What differs between two versions of a table's definition, field by field."""
    diff = _call("GET", f"/tables/{table_id}/versions/{from_version}/diff/{to_version}")["diff"]
    lines = [f"+ field {field['name']} ({field['type']})" for field in diff["added"]]
    lines += [f"- field {field['name']} ({field['type']})" for field in diff["removed"]]
    for field in diff["changed"]:
        for key, change in field["changes"].items():
            lines.append(f"~ {field['name']}.{key}: {json.dumps(change['before'])} -> {json.dumps(change['after'])}")
    for key, change in diff["table"].items():
        lines.append(f"~ table {key}: {json.dumps(change['before'])} -> {json.dumps(change['after'])}")
    typer.echo("\n".join(lines) if lines else f"versions {from_version} and {to_version} are the same")


@tables_app.command("list")
def tables_list() -> None:
    for table in _call("GET", "/tables", params={"limit": 500})["items"]:
        typer.echo(f"{table['id']}  {table['table_name']:<30} {table['status']:<10} v{table['version']}")


@tables_app.command("show")
def tables_show(table_id: str) -> None:
    _print(_call("GET", f"/tables/{table_id}"))


@tables_app.command("generators")
def tables_generators(
    table_id: Annotated[
        str | None, typer.Argument(help="A table's id (leave out with --file).", show_default=False)
    ] = None,
    spec_file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Instead of a table: a JSON definition not created yet (as for `tables create`), previewed.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """What makes each field's values: the field's own generator, or the one its pattern or choices, its name
    and type, or the other fields of the row give it (an AI field also shows what stands in if the AI fails)."""
    if (table_id is None) == (spec_file is None):
        _fail("give a table id or --file SPEC.json (one of them)")
    if spec_file is not None:
        generators = _call("POST", "/tables/generators", json=_spec_of(_read_json(spec_file)))["generators"]
    else:
        generators = _call("GET", f"/tables/{table_id}")["generators"]
    typer.echo("\n".join(generators_table(generators)))


@tables_app.command("drop")
def tables_drop(table_id: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    if not yes:
        typer.confirm("Drop the table and all its rows?", abort=True)
    _call("DELETE", f"/tables/{table_id}")
    typer.echo(f"{_wait(f'/tables/{table_id}', ('dropped', 'created'))['status']}")


#: `dmb generate` and `generate-batch`: the job's report below its line unless --no-report.
NoReport = Annotated[
    bool, typer.Option("--no-report", help="Print only the job's line, without its time and constraint report.")
]


def _echo_report(job: dict[str, Any]) -> None:
    """Below a job's line: its time and generator version, its constraint report (stdout), and why some
    fields fell back to Faker or were left empty, as notes (stderr, like an export's note)."""
    details = [f"{job['status']} {timing}"] if (timing := timing_line(job)) else []
    if job.get("generator_version"):
        details.append(f"generator {job['generator_version']}")
    if ai_line := ai_progress_line(job):
        details.append(ai_line)
    if details:
        typer.echo("  " + "; ".join(details))
    for line in report_table(job):
        typer.echo("  " + line)
    for fallback in job.get("fallbacks") or []:
        typer.secho(f"note: {fallback}", fg=typer.colors.YELLOW, err=True)


@app.command()
def generate(
    table_id: str,
    rows: Annotated[int, typer.Option(min=1, help="How many rows to add.")] = 1000,
    seed: Annotated[int | None, typer.Option(help="Same seed, same rows.")] = None,
    locale: str = "en_US",
    wait: bool = True,
    no_report: NoReport = False,
    replace: Replace = False,
    ai_context: AIContext = None,
    ai_base_url: AIBaseUrl = None,
    ai_model: AIModel = None,
    ai_key: AIKey = None,
) -> None:
    """Fill a table with generated rows; prints the job's line, then its time and constraint report."""
    body: dict[str, Any] = {"rows": rows, "locale": locale, "mode": "replace" if replace else "append"}
    if seed is not None:
        body["seed"] = seed
    if (ai := ai_options(ai_context, ai_base_url, ai_model, ai_key)) is not None:
        body["ai"] = ai
    job = _call("POST", f"/tables/{table_id}/jobs", json=body)
    if wait:
        job = _wait(f"/jobs/{job['id']}", JOB_FINISHED)
    if job["status"] == JobStatus.FAILED:
        _fail(f"job {job['id']} failed: {job['reason']}")
    typer.echo(f"{job['id']}  {job['status']}  {job['rows_done']}/{job['rows']} rows  seed {job['seed']}")
    if not no_report:
        _echo_report(job)


@app.command("generate-batch")
def generate_batch(
    tables: Annotated[
        list[str],
        typer.Option(
            "--table",
            "-t",
            help="A table to fill, as ID or ID:ROWS (repeat it). Parents are filled before the tables "
            "that reference them, whatever the order here.",
        ),
    ],
    rows: Annotated[int, typer.Option(min=1, help="Rows for each --table given without :ROWS.")] = 1000,
    seed: Annotated[int | None, typer.Option(help="Same tables + seed, same rows.")] = None,
    locale: str = "en_US",
    wait: bool = True,
    no_report: NoReport = False,
    replace: Replace = False,
    ai_context: AIContext = None,
    ai_base_url: AIBaseUrl = None,
    ai_model: AIModel = None,
    ai_key: AIKey = None,
) -> None:
    """Fill several tables in one job per table, parents first; prints a line per table, each followed by
    its job's time and constraint report. AI fields use the --ai-* options, else your `dmb ai settings`."""
    entries = []
    for table in tables:
        table_id, _, count = table.partition(":")
        if count and not (count.isdigit() and int(count) > 0):
            _fail(f"--table {table!r}: the rows after ':' must be a whole number above 0")
        entries.append({"table_id": table_id, "rows": int(count) if count else rows})
    body: dict[str, Any] = {"tables": entries, "locale": locale, "mode": "replace" if replace else "append"}
    if seed is not None:
        body["seed"] = seed
    if (ai := ai_options(ai_context, ai_base_url, ai_model, ai_key)) is not None:
        body["ai"] = ai
    batch = _call("POST", "/jobs", json=body)
    jobs = [_call("GET", f"/jobs/{job['job_id']}") for job in batch["jobs"]]
    if wait:
        jobs = [_wait(f"/jobs/{job['id']}", JOB_FINISHED) for job in jobs]
    for job in jobs:
        typer.echo(
            f"{job['table_id']}  {job['id']}  {job['status']}  {job['rows_done']}/{job['rows']} rows  seed {job['seed']}"
        )
        if not no_report:
            _echo_report(job)
    failed = [job for job in jobs if job["status"] == JobStatus.FAILED]
    if failed:
        _fail("; ".join(f"job {job['id']} failed: {job['reason']}" for job in failed))


@jobs_app.command("show")
def jobs_show(job_id: str) -> None:
    _print(_call("GET", f"/jobs/{job_id}"))


@jobs_app.command("cancel")
def jobs_cancel(job_id: str) -> None:
    _call("POST", f"/jobs/{job_id}/cancel")
    typer.echo(_wait(f"/jobs/{job_id}", JOB_FINISHED)["status"])


def _finish_export(record: Any, output: Path | None) -> None:
    record = _wait(f"/exports/{record['id']}", EXPORT_FINISHED)
    if record["status"] in (ExportStatus.FAILED, ExportStatus.EXPIRED):
        _fail(f"export {record['id']} {record['status']}: {record['reason']}")
    if record["reason"]:  # a completed export's note, e.g. cells cut to Excel's limit
        typer.secho(f"note: {record['reason']}", fg=typer.colors.YELLOW, err=True)
    if output is not None:
        exports_download(record["id"], output)
    else:
        typer.echo(f"{record['id']}  {record['status']}  {record['rows']} rows  {record['size_bytes']} bytes")


@app.command()
def export(
    table_id: str,
    more: Annotated[
        list[str] | None,
        typer.Option(
            "--table",
            "-t",
            help="Another table to put in the same workbook or SQL script (repeat it); foreign keys decide the "
            "order, parents first.",
        ),
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="xlsx, csv, jsonl, json, parquet or sql")] = "xlsx",
    job: Annotated[str | None, typer.Option(help="Record this job's seed and provenance.")] = None,
    excel_bom: Annotated[
        bool, typer.Option("--excel-bom", help="CSV only: start with a byte-order mark so Excel reads UTF-8.")
    ] = False,
    dialect: Annotated[
        str | None, typer.Option("--dialect", help="SQL only: postgres, mysql (MySQL/MariaDB) or sqlite.")
    ] = None,
    copy: Annotated[bool, typer.Option("--copy", help="SQL for postgres only: load the rows with COPY.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Download the file here when ready.")] = None,
) -> None:
    """Export a table, or with --table several tables into one Excel workbook or SQL script; with -o, wait and
    download it."""
    body: dict[str, Any] = {"format": format}
    if excel_bom:
        body["csv_excel_bom"] = True
    if dialect is not None:
        body["sql_dialect"] = dialect
    if copy:
        body["sql_copy"] = True
    if more:
        if job:
            _fail("--job records one table's provenance; leave it out when exporting several tables")
        _finish_export(_call("POST", "/exports", json=body | {"tables": [table_id, *more]}), output)
        return
    if job:
        body["job_id"] = job
    _finish_export(_call("POST", f"/tables/{table_id}/exports", json=body), output)


@exports_app.command("list")
def exports_list(
    table: Annotated[str | None, typer.Option("--table", help="Only this table's exports.")] = None,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many (newest first).")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Show at most this many.")] = 50,
) -> None:
    """The export history, newest first, with the reason of each failed or expired export (or a completed
    one's note). A multi-table export is listed under each of its tables."""
    path = f"/tables/{table}/exports" if table else "/exports"
    page = _call("GET", path, params={"offset": offset, "limit": limit})
    for record in page["items"]:
        reason = f"  {record['reason']}" if record["reason"] else ""
        typer.echo(
            f"{record['id']}  {record['format']:<7} {record['status']:<10} {_export_rows(record):>8}  "
            f"{record['created_at']}{reason}"
        )
    shown = len(page["items"])
    if shown < page["total"]:
        first = page["offset"] + 1 if shown else page["offset"]
        typer.echo(f"{first}-{page['offset'] + shown} of {page['total']} exports (see more with --offset)", err=True)


def _export_rows(record: dict[str, Any]) -> str:
    """Rows exported; while running, rows written so far of all (e.g. "40%: 4000/10000")."""
    if record["status"] == ExportStatus.RUNNING and record.get("rows_total"):
        written, total = record.get("rows_written") or 0, record["rows_total"]
        return f"{100 * written // total}%: {written}/{total}"
    return str(record["rows"] or "")


@exports_app.command("retry")
def exports_retry(
    export_id: str,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Download the file here when ready.")] = None,
) -> None:
    """Export again what a failed (or expired) export was asked for, as a new export, and wait for it."""
    _finish_export(_call("POST", f"/exports/{export_id}/retry"), output)


@exports_app.command("download")
def exports_download(export_id: str, output: Path) -> None:
    """Save a completed export's file; an expired one is gone (retry it to export again)."""
    try:
        size = Client().download(f"/exports/{export_id}/download", str(output))
    except ApiError as exc:
        if exc.status == 410:
            record = _call("GET", f"/exports/{export_id}")
            if record["status"] == ExportStatus.EXPIRED:
                _fail(f"expired: {record['reason']}")
        _fail(str(exc))
    typer.echo(f"saved {output} ({size:,} bytes)")


design.register(tables_app, app)
