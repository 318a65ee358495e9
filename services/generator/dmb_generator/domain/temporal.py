"""Dates relative to a fixed instant.

Faker reads the clock on every call ("now", "-2y", ages), so a job whose chunks run on different days would
not agree with itself. Relative dates are resolved here against one `now` the caller pins for the job.
"""

from __future__ import annotations

import datetime as dt
import re

from dmb_contracts.fields import JsonScalar

_UNITS_IN_DAYS = {"y": 365.24, "M": 30.42, "w": 7.0, "d": 1.0}
_UNITS_IN_SECONDS = {"h": 3600, "m": 60, "s": 1}
_RELATIVE = re.compile(r"(?:([+-]\d+)([yMwdhms]))+")
_PART = re.compile(r"([+-]\d+)([yMwdhms])")
EPOCH = dt.datetime(1970, 1, 1)


def default_now() -> dt.datetime:
    """Midnight UTC today: stable within a day when the caller pins nothing."""
    today = dt.datetime.now(dt.UTC).date()
    return dt.datetime(today.year, today.month, today.day)


def resolve_datetime(value: JsonScalar | dt.date, now: dt.datetime, *, what: str) -> dt.datetime:
    """A Faker date argument ('now', 'today', '-2y', '+30d', an ISO date, a Unix timestamp) as a naive datetime."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what}: {value!r} is not a date")
    if isinstance(value, int | float):
        return EPOCH + dt.timedelta(seconds=value)
    if value in ("now", "today"):
        return now if value == "now" else now.replace(hour=0, minute=0, second=0, microsecond=0)
    if _RELATIVE.fullmatch(value):
        days = seconds = 0.0
        for amount, unit in _PART.findall(value):
            if unit in _UNITS_IN_DAYS:
                days += int(amount) * _UNITS_IN_DAYS[unit]
            else:
                seconds += int(amount) * _UNITS_IN_SECONDS[unit]
        return now + dt.timedelta(days=days, seconds=seconds)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{what}: {value!r} is not 'now', 'today', a relative date like '-2y' or an ISO date") from exc
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def resolve_date(value: JsonScalar | dt.date, now: dt.datetime, *, what: str) -> dt.date:
    return resolve_datetime(value, now, what=what).date()


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)
