"""Date-order rules (dmb_contracts.rules.DateOrderRule) applied to a chunk's columns (pure), within each field's
own range.

A field's range is its min/max and the interval its generator draws from (a range generator's min/max, a dated
Faker provider's start/end or ages, relative to the job's `now`), else the type's limits. The rules narrow the
ranges first, row-independently: `later` can only be at least `min` after the smallest `earlier`, and `earlier`
at most as late as the largest `later` minus `min` (and, with `max`, the other way round), repeated along chains
(a → b → c) until nothing changes. When that leaves a field no value, the job is refused before it writes a row
("no ... leaves room for ...").

Then, for each row:
- an `earlier` that no rule moves (the start of a chain) is folded into its narrowed range when it lies outside
  it: that is the row whose earlier date is too late (or too early) for any `later` in range, and the earlier
  date is pulled back (or forward) — e.g. born 2007 with hired ≤ 2024 and ≥ 18 years after birth. An
  `earlier` kept unique (on its own or in a unique index) is never moved, since a moved value could meet
  another row's: its `later` may then leave its generator's interval but not its own min/max, and where even
  that leaves no room it takes that min/max and the rule gives way;
- a `later` outside [earlier + min, earlier + max] ∩ its narrowed range gets a value in that window, the row's
  own gap (|later - earlier|) folded into its width, so the window is never empty and the result is within the
  field's range.

The fixes depend only on the row's values, the spec and the job's `now`, so the same seed gives the same rows on
any chunking and worker. Rows that already keep their rules and ranges keep their values; nulls are left alone
(a null `later` still leaves its `earlier` in the narrowed range). Rules apply earlier-first along chains (else
in declared order); a field that is the `later` of two rules keeps to the last. Dates move by whole days,
date-times by whole seconds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from dmb_contracts.fields import FakerGenerator, FieldSpec, GeneratorSpec, RangeGenerator, StorageType, TableSpec
from dmb_contracts.rules import DateOrderRule, date_order_rules

from dmb_generator.domain.bounds import from_steps, range_value, step_limits, to_steps
from dmb_generator.domain.key_pairs import unique_alone, unique_combinations
from dmb_generator.domain.temporal import resolve_datetime, years_before

_DAY_SECONDS = 86_400
#: Rounds of range narrowing along chains of rules (each round moves a bound one rule further).
_MAX_ROUNDS = 64


def apply_date_order(
    spec: TableSpec,
    columns: dict[str, list[Any]],
    generators: Mapping[str, GeneratorSpec] | None = None,
    now: dt.datetime | None = None,
) -> None:
    rules = _earlier_first(date_order_rules(spec))
    if not rules:
        return
    anchor = now or dt.datetime(2000, 1, 1)
    ranges = narrowed_ranges(spec, rules, generators or {}, anchor)
    laters = {rule.later for rule in rules}
    fixed = kept_unique(spec)
    for name in dict.fromkeys(rule.earlier for rule in rules):
        if name not in laters and name not in fixed:
            field = spec.field(name)
            columns[name] = [_fold_into(field, value, ranges[name]) for value in columns[name]]
    for rule in rules:
        earlier_field, later = spec.field(rule.earlier), spec.field(rule.later)
        image = _image(earlier_field, later)
        low, high = window(rule, later.type is StorageType.DATE)
        floor, ceiling = ranges[rule.later]
        hard_floor, hard_ceiling = declared_range(later, None, anchor)  # its own min/max: the database's too
        out = []
        for earlier, value in zip(columns[rule.earlier], columns[rule.later], strict=True):
            if earlier is None or value is None:
                out.append(value)
                continue
            start = image(to_steps(earlier_field, earlier, round_up=False))
            steps = to_steps(later, value, round_up=False)
            first = max(floor, start + low)
            last = ceiling if high is None else min(ceiling, start + high)
            if first > last:
                # Only an earlier that is never moved (kept unique) gets here: past the generator's interval,
                # never past the field's own min/max; beyond those the row keeps the bound nearest the rule.
                first = max(hard_floor, start + low)
                last = hard_ceiling if high is None else min(hard_ceiling, start + high)
                if first > last:
                    out.append(from_steps(later, [hard_ceiling if start + low > hard_ceiling else hard_floor])[0])
                    continue
            if first <= steps <= last:
                out.append(value)
                continue
            out.append(from_steps(later, [first + abs(steps - start) % (last - first + 1)])[0])
        columns[rule.later] = out


def kept_unique(spec: TableSpec) -> frozenset[str]:
    """The fields whose values are made unique (on their own or in a unique combination): never moved, as a
    moved value could meet another row's."""
    return unique_alone(spec) | {name for _, members in unique_combinations(spec) for name in members}


def window(rule: DateOrderRule, dates: bool) -> tuple[int, int | None]:
    """The smallest and largest gap in whole units (days for dates, seconds for date-times)."""
    unit = 1 if dates else _DAY_SECONDS
    low = math.ceil(rule.min_days * unit)
    if rule.strict:
        low = max(low, 1)
    high = math.floor(rule.max_days * unit) if rule.max_days is not None else None
    return low, high


def declared_range(field: FieldSpec, generator: GeneratorSpec | None, now: dt.datetime) -> tuple[int, int]:
    """The field's range in steps: its min/max and the interval its generator draws from, within the type's
    limits."""
    low, high = step_limits(field)
    field_low, field_high = field.bounds()
    if field_low is not None:
        low = max(low, to_steps(field, field_low, round_up=True))
    if field_high is not None:
        high = min(high, to_steps(field, field_high, round_up=False))
    first, last = _drawn_between(field, generator, now)
    if first is not None:
        low = max(low, to_steps(field, first, round_up=True))
    if last is not None:
        high = min(high, to_steps(field, last, round_up=False))
    return low, high


def _drawn_between(
    field: FieldSpec, generator: GeneratorSpec | None, now: dt.datetime
) -> tuple[dt.date | None, dt.date | None]:
    """The first and last value the field's generator draws (None: not bounded there): a range generator's
    min/max, or a dated Faker provider's interval (what the import's catalogue gives dates: shipped_at between
    two years ago and now), as fast_providers draws them."""
    if isinstance(generator, RangeGenerator):
        low = None if generator.min is None else range_value(field, generator.min, now, what="range bound")
        high = None if generator.max is None else range_value(field, generator.max, now, what="range bound")
        return low, high
    if not isinstance(generator, FakerGenerator):
        return None, None
    args = generator.args
    if generator.provider in ("date_between", "date_time_between") and set(args) <= {"start_date", "end_date"}:
        return (
            resolve_datetime(args.get("start_date", "-30y"), now, what="start_date"),
            resolve_datetime(args.get("end_date", "now"), now, what="end_date"),
        )
    if generator.provider == "date_of_birth" and set(args) <= {"minimum_age", "maximum_age"}:
        youngest, oldest = args.get("minimum_age", 0), args.get("maximum_age", 115)
        if not isinstance(youngest, int) or not isinstance(oldest, int):
            return None, None  # the provider refuses them itself
        today = now.date()
        return years_before(today, oldest + 1) + dt.timedelta(days=1), years_before(today, youngest)
    return None, None


def narrowed_ranges(
    spec: TableSpec, rules: list[DateOrderRule], generators: Mapping[str, GeneratorSpec], now: dt.datetime
) -> dict[str, tuple[int, int]]:
    """Each ruled field's range (in its steps) narrowed so every value in it leaves room for the fields it is
    ordered with; ValueError naming the rule when one is left without a value."""
    names = {name for rule in rules for name in (rule.earlier, rule.later)}
    ranges = {name: declared_range(spec.field(name), generators.get(name), now) for name in names}
    for _ in range(_MAX_ROUNDS):
        changed = False
        for rule in rules:
            earlier, later = spec.field(rule.earlier), spec.field(rule.later)
            image = _image(earlier, later)
            low, high = window(rule, later.type is StorageType.DATE)
            (e_low, e_high), (l_low, l_high) = ranges[rule.earlier], ranges[rule.later]
            l_low = max(l_low, image(e_low) + low)
            if high is not None:
                l_high = min(l_high, image(e_high) + high)
                e_low = max(e_low, _first_at_least(image, e_low, e_high, l_low - high))
            e_high = min(e_high, _last_at_most(image, e_low, e_high, l_high - low))
            if e_low > e_high or l_low > l_high:
                raise ValueError(
                    f"date order {rule.describe()}: no {rule.earlier} within its range leaves room for a "
                    f"{rule.later} within its range; widen one of the two ranges or the rule's gap"
                )
            new = {rule.earlier: (e_low, e_high), rule.later: (l_low, l_high)}
            if any(ranges[name] != bounds for name, bounds in new.items()):
                ranges.update(new)
                changed = True
        if not changed:
            return ranges
    return ranges


def _image(earlier: FieldSpec, later: FieldSpec) -> Callable[[int], int]:
    """An earlier value's steps as the later field counts them: a date-time's day for a date, midnight for a
    date-time (non-decreasing, so ranges map to ranges)."""
    if earlier.type is later.type:
        return lambda steps: steps

    def image(steps: int) -> int:
        value = from_steps(earlier, [steps])[0]
        if later.type is StorageType.DATE:
            value = value.date() if isinstance(value, dt.datetime) else value
        else:
            value = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        return to_steps(later, value, round_up=False)

    return image


def _first_at_least(image: Callable[[int], int], low: int, high: int, target: int) -> int:
    """The smallest steps in [low, high] whose image is at least `target` (high + 1 when there is none)."""
    while low <= high:
        middle = (low + high) // 2
        if image(middle) >= target:
            high = middle - 1
        else:
            low = middle + 1
    return low


def _last_at_most(image: Callable[[int], int], low: int, high: int, target: int) -> int:
    """The largest steps in [low, high] whose image is at most `target` (low - 1 when there is none)."""
    while low <= high:
        middle = (low + high) // 2
        if image(middle) <= target:
            low = middle + 1
        else:
            high = middle - 1
    return high


def _fold_into(field: FieldSpec, value: Any, bounds: tuple[int, int]) -> Any:
    """`value` folded into `bounds` from the side it left them on (kept when inside)."""
    if value is None:
        return None
    low, high = bounds
    steps = to_steps(field, value, round_up=False)
    if low <= steps <= high:
        return value
    width = high - low + 1
    folded = high - (steps - high) % width if steps > high else low + (low - steps) % width
    return from_steps(field, [folded])[0]


def _earlier_first(rules: list[DateOrderRule]) -> list[DateOrderRule]:
    """The rules ordered so that a field is placed (as a `later`) before it is used as an `earlier`; declared
    order where the rules form a circle."""
    ordered: list[DateOrderRule] = []
    pending = list(rules)
    while pending:
        placed = {rule.later for rule in pending}
        ready = [rule for rule in pending if rule.earlier not in placed]
        if not ready:
            return ordered + pending
        ordered += ready
        pending = [rule for rule in pending if rule not in ready]
    return ordered
