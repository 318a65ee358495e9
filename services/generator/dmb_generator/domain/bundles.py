"""Coherent bundles: several fields of a row filled from one draw (a person, an address).

Each bundle is built from primitives (a gender, a first name, a state...), each drawn for the whole chunk
from its own counter-based stream keyed by (seed, bundle, group, primitive) and the global row index, so a
row's bundle is the same however the job is cut into chunks. Parts are functions of primitives: the email
part reads the same first and last name as the name parts, and adding or removing a part never changes the
others. Names come from the locale's Faker lists, weighted where Faker weights them.

What agrees with what depends on the data Faker has for the locale (docs/generators.md):
- everywhere: first name and prefix follow the gender; email and username are made from the names; the
  country and country code are the locale's;
- en_US: the postcode lies in the state's ZIP range (Faker's states_postcode), state_abbr is the state's;
- es_ES: the city is the province (as Faker's own es_ES city is) and the postcode starts with its code;
- other locales (de_DE included): city, state and postcode are independent draws from the locale's lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from dmb_contracts.fields import BundleGenerator
from faker import Faker

from dmb_generator.domain.context import ColumnContext
from dmb_generator.domain.derived import transliterate
from dmb_generator.domain.faker_catalogue import faker_for
from dmb_generator.domain.seeding import row_uniforms, stream_key

ObjectArray = np.ndarray[Any, np.dtype[np.object_]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_SAFE_DOMAINS = ("example.com", "example.org", "example.net")

#: INE province codes, the first two digits of every Spanish postcode, for Faker's es_ES province names.
_ES_PROVINCE_CODES: dict[str, int] = {
    "Álava": 1, "Albacete": 2, "Alicante": 3, "Almería": 4, "Ávila": 5, "Badajoz": 6, "Baleares": 7,
    "Barcelona": 8, "Burgos": 9, "Cáceres": 10, "Cádiz": 11, "Castellón": 12, "Ciudad Real": 13,
    "Córdoba": 14, "La Coruña": 15, "Cuenca": 16, "Girona": 17, "Granada": 18, "Guadalajara": 19,
    "Guipúzcoa": 20, "Huelva": 21, "Huesca": 22, "Jaén": 23, "León": 24, "Lleida": 25, "La Rioja": 26,
    "Lugo": 27, "Madrid": 28, "Málaga": 29, "Murcia": 30, "Navarra": 31, "Ourense": 32, "Asturias": 33,
    "Palencia": 34, "Las Palmas": 35, "Pontevedra": 36, "Salamanca": 37, "Santa Cruz de Tenerife": 38,
    "Cantabria": 39, "Segovia": 40, "Sevilla": 41, "Soria": 42, "Tarragona": 43, "Teruel": 44, "Toledo": 45,
    "Valencia": 46, "Valladolid": 47, "Vizcaya": 48, "Zamora": 49, "Zaragoza": 50, "Ceuta": 51, "Melilla": 52,
}  # fmt: skip
#: Faker's es_ES list cuts "Ciudad Real" short.
_ES_STATE_NAMES = {"Ciudad": "Ciudad Real"}


class _Pool:
    """A Faker word list as an array, with its weights when Faker gives them (an OrderedDict of name: weight)."""

    def __init__(self, items: Any) -> None:
        if isinstance(items, Mapping):
            self.values: ObjectArray = np.asarray(list(items.keys()), dtype=object)
            weights = np.asarray(list(items.values()), dtype=np.float64)
            self.weights: np.ndarray[Any, np.dtype[np.float64]] | None = weights / weights.sum()
        else:
            self.values = np.asarray(list(items), dtype=object)
            self.weights = None

    def draw(self, uniform: FloatArray) -> ObjectArray:
        if self.weights is None:
            picks = np.minimum((uniform * len(self.values)).astype(np.int64), len(self.values) - 1)
        else:
            picks = np.minimum(np.searchsorted(np.cumsum(self.weights), uniform, side="right"), len(self.values) - 1)
        return self.values[picks]


def _owner(fake: Faker, method: str) -> Any:
    bound = getattr(fake, method, None)
    return getattr(bound, "__self__", None)


@lru_cache(maxsize=256)
def _person_pool(locale: str, attribute: str, fallback: str) -> _Pool:
    owner = _owner(faker_for(locale), "first_name")
    items = getattr(owner, attribute, None) or getattr(owner, fallback, None)
    if not items:
        raise ValueError(f"the locale {locale} has no {fallback.replace('_', ' ')} to draw from")
    return _Pool(items)


@lru_cache(maxsize=64)
def _family_name_first(locale: str) -> bool:
    owner = _owner(faker_for(locale), "name")
    formats = list(getattr(owner, "formats", ()) or ())
    return bool(formats) and all(str(form).lstrip().startswith("{{last_name") for form in formats)


@lru_cache(maxsize=64)
def _ascii_replacements(locale: str) -> tuple[tuple[str, str], ...]:
    # The locale's own spelling rules for addresses (de_DE: "ü" -> "ue"), as Faker's emails use them.
    owner = _owner(faker_for(locale), "user_name")
    return tuple(getattr(owner, "replacements", ()) or ())


@lru_cache(maxsize=64)
def _safe_domains(locale: str) -> tuple[str, ...]:
    owner = _owner(faker_for(locale), "safe_domain_name")
    return tuple(getattr(owner, "safe_domain_names", ()) or _SAFE_DOMAINS)


def _address_owner(locale: str) -> Any:
    return _owner(faker_for(locale), "city")


@lru_cache(maxsize=64)
def _states(locale: str) -> tuple[str, ...] | None:
    states = getattr(_address_owner(locale), "states", None)
    if not states or isinstance(states, Mapping) or not all(isinstance(state, str) for state in states):
        return None  # absent, or pairs rather than names (some locales): the per-row Faker call serves them
    return tuple(_ES_STATE_NAMES.get(state, state) if locale == "es_ES" else state for state in states)


@lru_cache(maxsize=64)
def _state_abbreviations(locale: str) -> tuple[str, ...] | None:
    states, abbreviations = _states(locale), getattr(_address_owner(locale), "states_abbr", None)
    if states is None or not abbreviations:
        return None
    abbreviations = tuple(abbreviations)
    if len(abbreviations) == len(states) + 1 and "DC" in abbreviations:
        # en_US lists the District of Columbia among the abbreviations only, in alphabetical place.
        abbreviations = tuple(abbreviation for abbreviation in abbreviations if abbreviation != "DC")
    return abbreviations if len(abbreviations) == len(states) else None


class BundleDraws:
    """The bundles of one chunk: every field naming the same bundle and group reads the same draw."""

    def __init__(self, seed: int, first_row: int, rows: int, locale: str) -> None:
        self.seed, self.first_row, self.rows, self.locale = seed, first_row, rows, locale
        self._primitives: dict[tuple[str, str, str], Any] = {}

    def values(self, generator: BundleGenerator) -> list[Any]:
        values = self.primitive(generator.bundle, generator.group, generator.part)
        return values.tolist() if isinstance(values, np.ndarray) else list(values)

    def primitive(self, bundle: str, group: str, name: str) -> Any:
        key = (bundle, group, name)
        if key not in self._primitives:
            self._primitives[key] = _PRIMITIVES[bundle][name](self, bundle, group)
        return self._primitives[key]

    def uniform(self, bundle: str, group: str, name: str) -> FloatArray:
        """A draw in [0, 1) per row of the chunk, fixed by the row's global index."""
        return row_uniforms(self.first_row, self.rows, self.seed, "bundle", bundle, group, name)

    def indexes(self, bundle: str, group: str, name: str, size: int) -> list[int]:
        draws = (self.uniform(bundle, group, name) * size).astype(np.int64)
        return np.minimum(draws, size - 1).tolist()  # type: ignore[no-any-return]

    def per_row(self, bundle: str, group: str, name: str, method: str) -> list[str]:
        """A Faker method with no column-wise form, called once per row with Faker seeded for that row."""
        fake = faker_for(self.locale)
        call = getattr(fake, method, None)
        if call is None:
            raise ValueError(f"the locale {self.locale} has no {method.replace('_', ' ')} data")
        base = stream_key(self.seed, "bundle", bundle, group, name)
        out = []
        for row in range(self.first_row, self.first_row + self.rows):
            fake.seed_instance((base + row) % 2**63)
            out.append(str(call()).strip())  # some Faker formats end in a space
        return out


_Primitive = Callable[[BundleDraws, str, str], Any]

# Person ------------------------------------------------------------------------------------------------


def _female(draws: BundleDraws, bundle: str, group: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return draws.uniform(bundle, group, "gender") < 0.5


def _gendered(kind: str, fallback: str) -> _Primitive:
    """A name list drawn per gender: the female list for female rows, the male list for the others."""

    def draw(draws: BundleDraws, bundle: str, group: str) -> ObjectArray:
        female = _person_pool(draws.locale, f"{kind}_female", fallback).draw(draws.uniform(bundle, group, kind + "_f"))
        male = _person_pool(draws.locale, f"{kind}_male", fallback).draw(draws.uniform(bundle, group, kind + "_m"))
        chosen: ObjectArray = np.where(draws.primitive(bundle, group, "female"), female, male)
        return chosen

    return draw


def _prefixes(draws: BundleDraws, bundle: str, group: str) -> ObjectArray:
    try:
        prefixes: ObjectArray = _gendered("prefixes", "prefixes")(draws, bundle, group)
    except ValueError as exc:
        raise ValueError(f"the locale {draws.locale} has no name prefixes") from exc
    return prefixes


def _plain(draws: BundleDraws, bundle: str, group: str, name: str) -> list[str]:
    """A name as an email or username reads it: the locale's transliteration, lower-case letters and digits."""
    replacements = _ascii_replacements(draws.locale)
    out = []
    for value in draws.primitive(bundle, group, name).tolist():
        for source, target in replacements:
            value = value.replace(source, target)
        # Names with no Latin spelling (ja_JP, zh_CN) leave nothing: such handles read "user" plus digits.
        out.append("".join(char for char in transliterate(value).lower() if char.isalnum()) or "user")
    return out


_EMAIL_STYLES = ("{f}.{l}", "{f}{l}", "{i}{l}", "{f}_{l}", "{f}.{l}{n}", "{l}.{f}")
_USERNAME_STYLES = ("{f}.{l}", "{i}{l}", "{f}{n}", "{f}_{l}", "{l}{i}", "{f}{l}{n}")


def _handles(styles: tuple[str, ...], purpose: str) -> _Primitive:
    def draw(draws: BundleDraws, bundle: str, group: str) -> list[str]:
        chosen = draws.indexes(bundle, group, purpose, len(styles))
        numbers = [number + 1 for number in draws.indexes(bundle, group, purpose + "_number", 99)]
        firsts, lasts = _plain(draws, bundle, group, "first_name"), _plain(draws, bundle, group, "last_name")
        return [
            styles[style].format(f=first, l=last, i=first[0], n=number)
            for style, first, last, number in zip(chosen, firsts, lasts, numbers, strict=True)
        ]

    return draw


def _domains(draws: BundleDraws, bundle: str, group: str) -> ObjectArray:
    return _Pool(_safe_domains(draws.locale)).draw(draws.uniform(bundle, group, "domain"))


def _full_names(draws: BundleDraws, bundle: str, group: str) -> list[str]:
    firsts = draws.primitive(bundle, group, "first_name").tolist()
    lasts = draws.primitive(bundle, group, "last_name").tolist()
    if _family_name_first(draws.locale):
        return [f"{last} {first}" for first, last in zip(firsts, lasts, strict=True)]
    return [f"{first} {last}" for first, last in zip(firsts, lasts, strict=True)]


def _emails(draws: BundleDraws, bundle: str, group: str) -> list[str]:
    locals_ = draws.primitive(bundle, group, "email_local")
    domains = draws.primitive(bundle, group, "domain").tolist()
    return [f"{local}@{domain}" for local, domain in zip(locals_, domains, strict=True)]


# Address -----------------------------------------------------------------------------------------------


def _state_indexes(draws: BundleDraws, bundle: str, group: str) -> list[int] | None:
    states = _states(draws.locale)
    if states is None:
        return None
    return draws.indexes(bundle, group, "state", len(states))


def _state_names(draws: BundleDraws, bundle: str, group: str) -> list[str]:
    indexes = draws.primitive(bundle, group, "state_index")
    states = _states(draws.locale)
    if indexes is None or states is None:
        return draws.per_row(bundle, group, "state", "administrative_unit")
    return [states[index] for index in indexes]


def _state_abbrs(draws: BundleDraws, bundle: str, group: str) -> list[str]:
    indexes = draws.primitive(bundle, group, "state_index")
    abbreviations = _state_abbreviations(draws.locale)
    if indexes is None or abbreviations is None:
        raise ValueError(f"the locale {draws.locale} has no state abbreviations")
    return [abbreviations[index] for index in indexes]


def _postcodes(draws: BundleDraws, bundle: str, group: str) -> list[str]:
    owner = _address_owner(draws.locale)
    ranges = getattr(owner, "states_postcode", None)
    uniform = draws.uniform(bundle, group, "postcode")
    abbreviations = _state_abbreviations(draws.locale)
    if isinstance(ranges, Mapping) and abbreviations is not None and set(abbreviations) <= set(ranges):
        # en_US: a ZIP code inside the state's range, like Faker's postcode_in_state.
        spans = [ranges[abbr] for abbr in draws.primitive(bundle, group, "state_abbr")]
        lows = np.asarray([span[0] for span in spans], dtype=np.int64)
        highs = np.asarray([span[1] for span in spans], dtype=np.int64)
        codes = np.minimum(lows + (uniform * (highs - lows + 1)).astype(np.int64), highs)
        return [f"{code:05d}" for code in codes.tolist()]
    if draws.locale == "es_ES":
        provinces = [_ES_PROVINCE_CODES[state] for state in draws.primitive(bundle, group, "state")]
        numbers = np.minimum((uniform * 1000).astype(np.int64), 999).tolist()
        return [f"{province:02d}{number:03d}" for province, number in zip(provinces, numbers, strict=True)]
    return draws.per_row(bundle, group, "postcode", "postcode")


def _cities(draws: BundleDraws, bundle: str, group: str) -> list[str]:
    if draws.locale == "es_ES":
        return list(draws.primitive(bundle, group, "state"))  # Faker's es_ES cities are the provinces
    return draws.per_row(bundle, group, "city", "city")


def _country(method: str) -> _Primitive:
    def draw(draws: BundleDraws, bundle: str, group: str) -> list[str]:
        try:
            value = str(getattr(faker_for(draws.locale), method)())
        except (AttributeError, ValueError) as exc:
            raise ValueError(f"Faker does not know the country of the locale {draws.locale}") from exc
        return [value] * draws.rows

    return draw


_PRIMITIVES: dict[str, dict[str, _Primitive]] = {
    "person": {
        "female": _female,
        "gender": lambda draws, bundle, group: np.where(
            draws.primitive(bundle, group, "female"), "female", "male"
        ).tolist(),
        "first_name": _gendered("first_names", "first_names"),
        "last_name": _gendered("last_names", "last_names"),
        "prefix": _prefixes,
        "full_name": _full_names,
        "email_local": _handles(_EMAIL_STYLES, "email_style"),
        "username": _handles(_USERNAME_STYLES, "username_style"),
        "domain": _domains,
        "email": _emails,
    },
    "address": {
        "state_index": _state_indexes,
        "state": _state_names,
        "state_abbr": _state_abbrs,
        "postcode": _postcodes,
        "city": _cities,
        "street": lambda draws, bundle, group: draws.per_row(bundle, group, "street", "street_address"),
        "country": _country("current_country"),
        "country_code": _country("current_country_code"),
    },
}


def bundle_values(generator: BundleGenerator, ctx: ColumnContext) -> list[Any]:
    # A lone column (no chunk-wide draws given) still gets the draw every field of its chunk would share.
    draws = ctx.bundles or BundleDraws(ctx.seed, ctx.first_row, ctx.rows, ctx.locale)
    try:
        return draws.values(generator)
    except ValueError as exc:
        raise ValueError(f"field {ctx.field.name!r}: {generator.bundle} {generator.part}: {exc}") from exc
