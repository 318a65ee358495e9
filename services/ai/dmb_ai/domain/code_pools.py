"""The pools code makes for a request (identifiers with a check digit), joined to what the model made.

They join every answer, the model's pools, a cached one or a failure: a job whose only AI field is an ISBN
needs no model at all, and when the model fails for the other fields the identifiers still come from code
(the other fields then fall back to Faker, with the reason in the job's notes). A code-made pool need not be
as long as the model's: the generator draws each pool by its own length.
"""

from __future__ import annotations

from dmb_contracts.fields import JsonScalar

from dmb_ai.domain.briefs import RequestBrief
from dmb_ai.domain.identifiers import MAX_POOL, identifier_pool
from dmb_ai.domain.pools import PoolRequest, PoolResult


def identifier_pools(brief: RequestBrief, request: PoolRequest) -> tuple[dict[str, list[JsonScalar]], list[str]]:
    """Per identifier field its pool, and notes on pools shorter than the job needs. A unique field gets a
    value for every row of the job (up to MAX_POOL), so the generator deals them without repeating."""
    specs = {field.name: field for field in request.fields}
    pools: dict[str, list[JsonScalar]] = {}
    notes: list[str] = []
    for name, identifier in brief.identifiers.items():
        field = specs[name]
        unique = field.unique or field.primary_key
        needed = max(request.count, request.rows or 0) if unique else request.count
        pool = identifier_pool(field, identifier, needed, request.seed)
        pools[name] = list(pool)
        if unique and len(pool) < needed:
            cause = f"at most {MAX_POOL} are made" if needed > MAX_POOL else "the draws allowed ran out"
            notes.append(
                f"field {name}: {len(pool)} distinct {identifier.described} made for {needed} rows ({cause}); "
                "the values past them carry a distinguishing suffix"
            )
    return pools, notes


def with_identifier_pools(result: PoolResult, brief: RequestBrief, request: PoolRequest) -> PoolResult:
    """`result` with the identifier pools added. A failure of the model then concerns only the fields the
    model writes: it becomes a note, since the identifiers are made anyway."""
    if not brief.identifiers:
        return result
    pools, notes = identifier_pools(brief, request)
    merged = result.model_copy(deep=True)
    merged.pools.update(pools)
    merged.notes.extend(notes)
    if merged.failure is not None:
        names = ", ".join(field.field.name for field in brief.fields)
        merged.notes.append(f"AI values unavailable for {names}, Faker used instead: {merged.failure}")
        merged.failure = None
    return merged
