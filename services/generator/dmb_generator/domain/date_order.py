"""Date-order rules (dmb_contracts.rules.DateOrderRule) applied to a chunk's columns (pure).

A row whose `later` value is out of its window [earlier + min, earlier + max] gets `later` = earlier + a gap
folded into the window from the row's own gap (|later - earlier|, wrapped round the window's width), so the
result is a function of the row's generated values only: the same seed gives the same rows on any chunking
and worker. Rows already in their window keep their values; nulls are left alone. Rules apply in the order
declared. Dates move by whole days, date-times by whole seconds.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from dmb_contracts.fields import StorageType, TableSpec
from dmb_contracts.rules import DateOrderRule, date_order_rules

_DAY_SECONDS = 86_400


def apply_date_order(spec: TableSpec, columns: dict[str, list[Any]]) -> None:
    for rule in date_order_rules(spec):
        dates = spec.field(rule.later).type is StorageType.DATE
        earlier = [_as(value, dates) for value in columns[rule.earlier]]
        columns[rule.later] = [
            _ordered(a, b, rule, dates) if a is not None and b is not None else b
            for a, b in zip(earlier, columns[rule.later], strict=True)
        ]


def _as(value: Any, dates: bool) -> Any:
    """`value` in the later field's kind: a date-time's day for a date field, midnight for a date-time one."""
    if value is None:
        return None
    if dates:
        return value.date() if isinstance(value, dt.datetime) else value
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def window(rule: DateOrderRule, dates: bool) -> tuple[int, int | None]:
    """The smallest and largest gap in whole units (days for dates, seconds for date-times)."""
    unit = 1 if dates else _DAY_SECONDS
    low = math.ceil(rule.min_days * unit)
    if rule.strict:
        low = max(low, 1)
    high = math.floor(rule.max_days * unit) if rule.max_days is not None else None
    return low, high


def _ordered(earlier: Any, later: Any, rule: DateOrderRule, dates: bool) -> Any:
    low, high = window(rule, dates)
    gap = (later - earlier).days if dates else math.floor((later - earlier).total_seconds())
    if gap >= low and (high is None or gap <= high):
        return later
    magnitude = abs(gap)
    fitted = low + magnitude if high is None else low + magnitude % (high - low + 1)
    step = dt.timedelta(days=fitted) if dates else dt.timedelta(seconds=fitted)
    return earlier + step
