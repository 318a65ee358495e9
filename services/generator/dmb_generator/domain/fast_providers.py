"""Column-at-a-time versions of the Faker providers that dominate real tables.

One Faker call per value costs microseconds; sampling a provider's own word lists with numpy costs a
fraction of that and keeps the same realism (the same names, suffixes, domains, formats). A fast path is
used only when the locale still runs Faker's base implementation of the method (checked by identity), so
a locale that overrides a provider with its own logic always gets the real Faker call instead.

Temporal providers are reimplemented rather than called, so relative dates count from the job's pinned
`now` instead of the clock (see temporal.py).
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from dmb_contracts.fields import JsonScalar
from faker import Faker
from faker.providers import company, internet, misc, person
from faker.utils.text import slugify

from dmb_generator.domain.faker_catalogue import faker_for
from dmb_generator.domain.temporal import resolve_date, resolve_datetime, years_before

_TOKEN = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class FastContext:
    fake: Faker
    locale: str
    rng: np.random.Generator
    now: dt.datetime


FastProvider = Callable[[FastContext, int, Mapping[str, JsonScalar]], list[Any] | None]

#: Tokens whose base implementation is random_element(<list attribute>).
_LIST_TOKENS: dict[str, tuple[object, str]] = {
    "first_name": (person.Provider.first_name, "first_names"),
    "last_name": (person.Provider.last_name, "last_names"),
    "first_name_male": (person.Provider.first_name_male, "first_names_male"),
    "first_name_female": (person.Provider.first_name_female, "first_names_female"),
    "last_name_male": (person.Provider.last_name_male, "last_names_male"),
    "last_name_female": (person.Provider.last_name_female, "last_names_female"),
    "prefix_male": (person.Provider.prefix_male, "prefixes_male"),
    "prefix_female": (person.Provider.prefix_female, "prefixes_female"),
    "suffix_male": (person.Provider.suffix_male, "suffixes_male"),
    "suffix_female": (person.Provider.suffix_female, "suffixes_female"),
    "company_suffix": (company.Provider.company_suffix, "company_suffixes"),
}


def _base_owner(fake: Faker, method: str, base: object) -> Any:
    """The provider instance serving `method` if it runs the base implementation, else None."""
    bound = getattr(fake, method, None)
    if bound is None or getattr(bound, "__func__", None) is not base:
        return None
    return bound.__self__


@lru_cache(maxsize=512)
def _element_array(locale: str, token: str) -> np.ndarray[Any, np.dtype[np.object_]] | None:
    base, attribute = _LIST_TOKENS[token]
    owner = _base_owner(faker_for(locale), token, base)
    if owner is None or not hasattr(owner, attribute):
        return None
    return np.asarray(list(getattr(owner, attribute)), dtype=object)


def _elements(owner: Any, attribute: str) -> list[Any]:
    return list(getattr(owner, attribute))


def _pick(rng: np.random.Generator, items: Sequence[Any], n: int) -> list[Any]:
    array = np.asarray(items, dtype=object)
    return array[rng.integers(0, len(array), n)].tolist()  # type: ignore[no-any-return]


def _token_values(ctx: FastContext, token: str, n: int) -> list[str]:
    if token in _LIST_TOKENS:
        array = _element_array(ctx.locale, token)
        if array is not None:
            return array[ctx.rng.integers(0, len(array), n)].tolist()  # type: ignore[no-any-return]
    nested = _TEMPLATED.get(token)
    if nested is not None:
        values = nested(ctx, n, {})
        if values is not None:
            return values
    # The token comes from Faker's own format strings, never from the user.
    method = getattr(ctx.fake, token)
    return [str(method()) for _ in range(n)]


def _render(ctx: FastContext, formats: Sequence[str], n: int) -> list[str]:
    """Faker's parse(random_element(formats)) for n rows, one format group at a time."""
    choice = ctx.rng.integers(0, len(formats), n)
    out: list[str] = [""] * n
    for index, template in enumerate(formats):
        rows = np.flatnonzero(choice == index).tolist()
        if not rows:
            continue
        pieces = _TOKEN.split(template)
        # split() alternates literal, token, literal, ...: fill each token as a column for this group.
        columns: list[list[str]] = []
        for position, piece in enumerate(pieces):
            columns.append(_token_values(ctx, piece, len(rows)) if position % 2 else [piece] * len(rows))
        for row, parts in zip(rows, zip(*columns, strict=True), strict=True):
            out[row] = "".join(parts)
    return out


def _bothify(ctx: FastContext, values: list[str]) -> list[str]:
    # Faker's bothify for the placeholders its templates use ('#' digit, '?' letter); others are left as is.
    letters = string.ascii_letters
    result = []
    for value in values:
        if "#" in value or "?" in value:
            chars = list(value)
            draws = ctx.rng.integers(0, 52, len(chars)).tolist()
            for i, char in enumerate(chars):
                if char == "#":
                    chars[i] = str(draws[i] % 10)
                elif char == "?":
                    chars[i] = letters[draws[i]]
            value = "".join(chars)
        result.append(value)
    return result


def _to_ascii(owner: Any, values: list[str]) -> list[str]:
    if not owner.replacements:
        return [value if value.isascii() else owner._to_ascii(value) for value in values]
    return [owner._to_ascii(value) for value in values]


def _formats_of(ctx: FastContext, method: str, base: object, attribute: str) -> tuple[Any, list[str]] | None:
    owner = _base_owner(ctx.fake, method, base)
    if owner is None:
        return None
    return owner, _elements(owner, attribute)


def name(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    found = None if args else _formats_of(ctx, "name", person.Provider.name, "formats")
    return None if found is None else _render(ctx, found[1], n)


def company_name(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    found = None if args else _formats_of(ctx, "company", company.Provider.company, "formats")
    return None if found is None else _render(ctx, found[1], n)


def user_name(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    found = None if args else _formats_of(ctx, "user_name", internet.Provider.user_name, "user_name_formats")
    if found is None:
        return None
    owner, formats = found
    return _to_ascii(owner, [value.lower() for value in _bothify(ctx, _render(ctx, formats, n))])


def email(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"safe", "domain"} or args.get("safe", True) is not True:
        return None
    owner = _base_owner(ctx.fake, "email", internet.Provider.email)
    names = user_name(ctx, n, {})
    if owner is None or names is None:
        return None
    domain = args.get("domain")
    domains = [str(domain)] * n if domain else _pick(ctx.rng, _elements(owner, "safe_domain_names"), n)
    return [f"{local}@{host}".lower() for local, host in zip(names, domains, strict=True)]


def domain_word(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    owner = None if args else _base_owner(ctx.fake, "domain_word", internet.Provider.domain_word)
    companies = None if owner is None else company_name(ctx, n, {})
    if companies is None:
        return None
    firsts = _to_ascii(owner, [value.split(" ")[0] for value in companies])
    return [slugify(word, allow_unicode=True).lower() or "example" for word in firsts]


def domain_name(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"levels"} or args.get("levels", 1) != 1:
        return None
    owner = _base_owner(ctx.fake, "domain_name", internet.Provider.domain_name)
    words = None if owner is None else domain_word(ctx, n, {})
    tld_owner = _base_owner(ctx.fake, "tld", internet.Provider.tld)
    if words is None or tld_owner is None:
        return None
    tlds = _pick(ctx.rng, _elements(tld_owner, "tlds"), n)
    return [f"{word}.{tld}".lower() for word, tld in zip(words, tlds, strict=True)]


def url(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if args:
        return None  # schemes is a list, which spec arguments cannot express; defaults only
    found = _formats_of(ctx, "url", internet.Provider.url, "url_formats")
    if found is None:
        return None
    schemes = _pick(ctx.rng, ["http", "https"], n)
    rests = _render(ctx, found[1], n)
    return [f"{scheme}://{rest}" for scheme, rest in zip(schemes, rests, strict=True)]


def boolean(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"chance_of_getting_true"}:
        return None
    chance = args.get("chance_of_getting_true", 50)
    if not isinstance(chance, int | float) or isinstance(chance, bool):
        return None
    if _base_owner(ctx.fake, "boolean", misc.Provider.boolean) is None:
        return None
    return (ctx.rng.integers(1, 101, n) <= chance).tolist()  # type: ignore[no-any-return]


def _days(ctx: FastContext, first: dt.date, last: dt.date, n: int) -> list[dt.date]:
    if last < first:
        raise ValueError(f"the date range {first}..{last} is empty")
    base = first.toordinal()
    offsets = ctx.rng.integers(0, last.toordinal() - base + 1, n).tolist()
    return [dt.date.fromordinal(base + offset) for offset in offsets]


def _seconds(ctx: FastContext, first: dt.datetime, last: dt.datetime, n: int) -> list[dt.datetime]:
    if last < first:
        raise ValueError(f"the datetime range {first}..{last} is empty")
    span = int((last - first).total_seconds())
    offsets = ctx.rng.integers(0, span + 1, n).tolist()
    return [first + dt.timedelta(seconds=offset) for offset in offsets]


def _int_arg(args: Mapping[str, JsonScalar], key: str, default: int) -> int:
    value = args.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key} must be an integer, not {value!r}")
    return value


def date_of_birth(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"minimum_age", "maximum_age"}:
        return None
    youngest, oldest = _int_arg(args, "minimum_age", 0), _int_arg(args, "maximum_age", 115)
    if not 0 <= youngest <= oldest:
        raise ValueError(f"minimum_age {youngest} and maximum_age {oldest} must satisfy 0 <= minimum <= maximum")
    today = ctx.now.date()
    # Born after this day `oldest + 1` years ago, and at least `youngest` years ago: Faker's interval.
    return _days(ctx, years_before(today, oldest + 1) + dt.timedelta(days=1), years_before(today, youngest), n)


def date_time_between(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"start_date", "end_date"}:
        return None
    first = resolve_datetime(args.get("start_date", "-30y"), ctx.now, what="start_date")
    last = resolve_datetime(args.get("end_date", "now"), ctx.now, what="end_date")
    return _seconds(ctx, first, last, n)


def date_between(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"start_date", "end_date"}:
        return None
    first = resolve_date(args.get("start_date", "-30y"), ctx.now, what="start_date")
    last = resolve_date(args.get("end_date", "today"), ctx.now, what="end_date")
    return _days(ctx, first, last, n)


def past_date(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"start_date"}:
        return None
    first = resolve_date(args.get("start_date", "-30d"), ctx.now, what="start_date")
    return _days(ctx, first, ctx.now.date() - dt.timedelta(days=1), n)


def future_date(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"end_date"}:
        return None
    last = resolve_date(args.get("end_date", "+30d"), ctx.now, what="end_date")
    return _days(ctx, ctx.now.date() + dt.timedelta(days=1), last, n)


def past_datetime(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"start_date"}:
        return None
    first = resolve_datetime(args.get("start_date", "-30d"), ctx.now, what="start_date")
    return _seconds(ctx, first, ctx.now - dt.timedelta(seconds=1), n)


def future_datetime(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
    if set(args) - {"end_date"}:
        return None
    last = resolve_datetime(args.get("end_date", "+30d"), ctx.now, what="end_date")
    return _seconds(ctx, ctx.now + dt.timedelta(seconds=1), last, n)


_TEMPLATED: dict[str, FastProvider] = {
    "name": name,
    "company": company_name,
    "user_name": user_name,
    "domain_word": domain_word,
    "domain_name": domain_name,
}


def _list_provider(token: str) -> FastProvider:
    def provide(ctx: FastContext, n: int, args: Mapping[str, JsonScalar]) -> list[Any] | None:
        array = None if args else _element_array(ctx.locale, token)
        return None if array is None else list(array[ctx.rng.integers(0, len(array), n)])

    return provide


#: Provider name -> column function; a function returns None when it cannot serve these arguments.
FAST_PROVIDERS: dict[str, FastProvider] = {
    **{token: _list_provider(token) for token in _LIST_TOKENS},
    **_TEMPLATED,
    "email": email,
    "url": url,
    "boolean": boolean,
    "date_of_birth": date_of_birth,
    "date_time_between": date_time_between,
    "date_between": date_between,
    "past_date": past_date,
    "future_date": future_date,
    "past_datetime": past_datetime,
    "future_datetime": future_datetime,
}
