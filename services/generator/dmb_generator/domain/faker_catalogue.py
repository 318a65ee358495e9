"""Which Faker providers a user may name, and calling them safely.

A provider name comes from user input, so it is looked up in an allow-list built from Faker's own
catalogue for the locale; nothing else is ever resolved by name. The list keeps public provider methods
that return a storable scalar with their default arguments, minus those that touch the generator's state,
produce files or containers, or evaluate user-supplied templates.
"""

from __future__ import annotations

import datetime as dt
import inspect
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache

from dmb_contracts.fields import JsonScalar
from faker import Faker
from faker.config import AVAILABLE_LOCALES

#: Methods never offered, whatever they return: generator state, files and archives, containers, and
#: template evaluators (pystr_format/parse/format would let a user call any provider through a string).
_EXCLUDED_PREFIXES = ("seed", "random", "py", "get_", "set_", "del_", "add_", "json", "xml")
_EXCLUDED = frozenset(
    {
        "binary",
        "tar",
        "zip",
        "image",
        "csv",
        "tsv",
        "psv",
        "dsv",
        "fixed_width",
        "format",
        "parse",
        "provider",
        "enum",
        "items",
        "weights",
        "optional",
        "unique",
        "factories",
        "cache_pattern",
        "profile",
        "simple_profile",
        "texts",
        "words",
        "sentences",
        "paragraphs",
        "http_method",
        "uuid4_bytes",
        "sha1_bytes",
        "md5_bytes",
        "sha256_bytes",
        "location_on_land",
        "local_latlng",
        "latlng",
        "emoji",
    }
)
#: Prefix allowances that are plain scalars despite the excluded prefixes above.
_ALLOWED_DESPITE_PREFIX = frozenset(
    {
        "pybool",
        "pyint",
        "pyfloat",
        "pydecimal",
        "pystr",
        "random_int",
        "random_digit",
        "random_digit_not_null",
        "random_letter",
        "random_number",
    }
)
_SCALARS = (str, int, float, bool, Decimal, dt.date, dt.datetime)
#: Arguments that size the output; capped so one field cannot ask for gigabytes.
_SIZE_ARGUMENT_WORDS = ("nb_", "length", "chars", "digits", "size", "count")
MAX_SIZE_ARGUMENT = 10_000

_local = threading.local()


def check_locale(locale: str) -> str:
    if locale not in AVAILABLE_LOCALES:
        raise ValueError(f"unknown locale {locale!r}; Faker knows e.g. en_US, de_DE, fr_FR, es_ES, ja_JP")
    return locale


def faker_for(locale: str) -> Faker:
    """This thread's unweighted Faker for a locale (seeding is per instance, so threads must not share)."""
    cache: dict[str, Faker] | None = getattr(_local, "fakers", None)
    if cache is None:
        cache = _local.fakers = {}
    fake = cache.get(locale)
    if fake is None:
        fake = cache[locale] = Faker(check_locale(locale), use_weighting=False)
    return fake


def _offered(name: str) -> bool:
    if name.startswith("_") or name in _EXCLUDED:
        return False
    return name in _ALLOWED_DESPITE_PREFIX or not name.startswith(_EXCLUDED_PREFIXES)


@lru_cache(maxsize=64)
def provider_catalogue(locale: str) -> frozenset[str]:
    """The provider names a user may use for this locale."""
    probe = Faker(check_locale(locale), use_weighting=False)
    probe.seed_instance(0)
    names: set[str] = set()
    for provider in probe.providers:
        for name in dir(type(provider)):
            if not _offered(name) or not callable(getattr(type(provider), name, None)):
                continue
            try:
                value = getattr(probe, name)()
            except Exception:  # noqa: S112 - a provider that needs arguments is simply not offered
                continue
            if isinstance(value, _SCALARS):
                names.add(name)
    return frozenset(names)


def _check_args(field: str, provider: str, method: Callable[..., object], args: Mapping[str, JsonScalar]) -> None:
    try:
        inspect.signature(method).bind(**args)
    except TypeError as exc:
        raise ValueError(f"field {field!r}: faker provider {provider!r} does not accept {dict(args)}: {exc}") from exc
    for key, value in args.items():
        sized = any(word in key for word in _SIZE_ARGUMENT_WORDS)
        if sized and isinstance(value, int | float) and abs(value) > MAX_SIZE_ARGUMENT:
            raise ValueError(
                f"field {field!r}: argument {key}={value} of faker provider {provider!r} is above {MAX_SIZE_ARGUMENT}"
            )


def faker_method(
    fake: Faker, locale: str, field: str, provider: str, args: Mapping[str, JsonScalar]
) -> Callable[[], object]:
    """A zero-argument callable for an allow-listed provider, its arguments checked up front."""
    if provider not in provider_catalogue(locale):
        raise ValueError(f"field {field!r}: unknown faker provider {provider!r} for locale {locale}")
    method: Callable[..., object] = getattr(fake, provider)
    _check_args(field, provider, method, args)
    kwargs = dict(args)

    def call() -> object:
        try:
            return method(**kwargs)
        except Exception as exc:
            raise ValueError(f"field {field!r}: faker provider {provider!r} failed with {kwargs}: {exc}") from exc

    return call
