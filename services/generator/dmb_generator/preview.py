"""Preview: the first rows a job with this definition, seed and locale would write, made by the job's own code
(generate_chunk, chunk 0 from row 0, the same reference day and parent keys) and sent back, never written."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from dmb_common.value_text import value_text
from dmb_contracts.commands import PreviewRows
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import RowsPreviewed
from dmb_contracts.fields import TableSpec

from dmb_generator.adapters.parent_keys import TooManyParentKeys
from dmb_generator.domain import generate_chunk
from dmb_generator.domain.references import reference_problems
from dmb_generator.handlers import GeneratorDeps, _read_parent_keys, parent_keys, reference_day
from dmb_generator.version import GENERATOR_VERSION


def _rows(cmd: PreviewRows, deps: GeneratorDeps, now: dt.datetime) -> tuple[list[list[str | None]], str | None]:
    spec: TableSpec = cmd.spec
    try:
        stored = _read_parent_keys(deps, spec)
    except TooManyParentKeys as exc:
        return [], str(exc)
    parents = parent_keys(spec, stored, cmd.rows)
    problems = reference_problems(spec, cmd.rows, parents)
    if problems:
        return [], "; ".join(problems)
    try:
        rows = generate_chunk(
            spec, seed=cmd.seed, chunk_index=0, first_row=0, rows=cmd.rows, locale=cmd.locale, now=now, parents=parents
        )
    except ValueError as exc:
        return [], str(exc)
    return [[value_text(value) for value in row] for row in rows], None


async def preview_rows(cmd: PreviewRows, deps: GeneratorDeps) -> None:
    """Answer at once on the bus: a preview has no state to keep, so it skips the outbox (a lost answer is a
    preview the page asks for again)."""
    started = time.perf_counter()
    rows, problem = await asyncio.to_thread(_rows, cmd, deps, reference_day(utcnow()))
    answer = RowsPreviewed(
        request_id=cmd.request_id,
        columns=[field.name for field in cmd.spec.fields],
        rows=rows,
        problem=problem,
        generator_version=GENERATOR_VERSION,
        seconds=round(time.perf_counter() - started, 6),
        producer="generator",
    ).follow(cmd)
    await deps.runtime.bus.publish(answer)
