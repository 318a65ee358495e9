"""Which SQL dialect a schema dump is written in, from the marks each tool leaves (for `dialect: auto`)."""

from __future__ import annotations

import re

from dmb_gateway.importer.model import Dialect

#: Marks of a dialect, each counted once: what pg_dump, mysqldump and SQLite's .schema write.
_MARKS: dict[Dialect, tuple[re.Pattern[str], ...]] = {
    "postgres": tuple(
        re.compile(pattern, re.IGNORECASE)
        for pattern in (
            r"\bSET\s+search_path\b",
            r"\bpg_catalog\.",
            r"\b(big|small)?serial\b",
            r"\bnextval\s*\(",
            r"\bGENERATED\s+(ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b",
            r"\bCREATE\s+TYPE\b[^;]*\bAS\s+ENUM\b",
            r"\bCOMMENT\s+ON\b",
            r"\bOWNER\s+TO\b",
            r"\b(timestamptz|jsonb|bytea|uuid)\b",
            r"::[a-z_]+",
            r"\bpublic\.",
        )
    ),
    "mysql": tuple(
        re.compile(pattern, re.IGNORECASE)
        for pattern in (
            r"`",
            r"\bENGINE\s*=",
            r"\bAUTO_INCREMENT\b",
            r"\bDEFAULT\s+CHARSET\b",
            r"/\*!\d+",
            r"\bUNSIGNED\b",
            r"\b(tinyint|mediumint|longtext|mediumtext|datetime)\b",
            r"\benum\s*\(",
        )
    ),
    "sqlite": tuple(
        re.compile(pattern, re.IGNORECASE)
        for pattern in (
            r"\bAUTOINCREMENT\b",
            r"\bWITHOUT\s+ROWID\b",
            r"\bsqlite_",
            r"\bPRAGMA\b",
            r"\bSTRICT\s*;",
        )
    ),
}


def detect_dialect(sql: str) -> Dialect:
    """The dialect with the most marks in `sql`; PostgreSQL when none has any (plain standard SQL)."""
    scores = {dialect: sum(1 for mark in marks if mark.search(sql)) for dialect, marks in _MARKS.items()}
    best = max(scores.values())
    if best == 0:
        return "postgres"
    return next(dialect for dialect in ("postgres", "mysql", "sqlite") if scores[dialect] == best)
