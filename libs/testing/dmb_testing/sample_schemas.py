"""The sample schemas in tests/data/schemas (dump files written for the tests) and their SQL dialects."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parents[3] / "tests" / "data" / "schemas"

#: File stem → the dialect it is written in.
SAMPLE_SCHEMAS: dict[str, str] = {
    "chinook": "postgres",
    "ecommerce": "postgres",
    "hr": "postgres",
    "film_rental": "mysql",
    "bank": "postgres",
    "hospital": "postgres",
    "school_timetable": "sqlite",
}


def sample_sql(name: str) -> str:
    return (FOLDER / f"{name}.sql").read_text()
