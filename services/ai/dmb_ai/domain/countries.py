"""Which country the user's texts point at: an IBAN's country code, an ISBN's language group, an EAN's GS1
prefix. Named in the field's own texts first (a "German IBAN", "(DE, 22 characters)"), then in the table's
and the user's context ("a French supermarket"), then the job's locale (de_DE → DE).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Words naming a country (or its people or language, which is how users say it), to its ISO 3166 code.
_NAMED: dict[str, tuple[str, ...]] = {
    "DE": ("german", "germany", "deutsch", "deutschland"),
    "AT": ("austria", "austrian", "österreich"),
    "CH": ("swiss", "switzerland", "schweiz", "suisse"),
    "FR": ("french", "france", "français", "francais", "française"),
    "ES": ("spanish", "spain", "español", "espanol", "españa", "espana"),
    "IT": ("italian", "italy", "italiano", "italia"),
    "PT": ("portuguese", "portugal"),
    "BR": ("brazil", "brazilian", "brasil", "brasileir"),
    "NL": ("dutch", "netherlands", "nederland", "holland"),
    "BE": ("belgian", "belgium", "belgique", "belgië"),
    "GB": ("british", "united kingdom", "england", "london", "scotland", "wales"),
    "IE": ("irish", "ireland"),
    "PL": ("polish", "poland", "polska"),
    "SE": ("swedish", "sweden", "sverige"),
    "US": ("american", "united states", "usa"),
    "JP": ("japanese", "japan", "日本"),
}
#: A two-letter code standing alone in capitals ("German IBAN (DE, 22 characters)").
_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{2})(?![A-Za-z])")


def named_country(texts: Sequence[str], known: frozenset[str] | None = None) -> str | None:
    """The first country the texts name, in their order: a capitalised code from `known` (when given), else a
    word from _NAMED. A text naming none passes the turn to the next."""
    for text in texts:
        if known:
            codes: list[str] = [code for code in _CODE.findall(text) if code in known]
            if codes:
                return codes[0]
        lowered = text.lower()
        found: list[tuple[int, str]] = [
            (match.start(), code)
            for code, words in _NAMED.items()
            for word in words
            if (match := re.search(rf"(?<!\w){re.escape(word)}", lowered))
        ]
        if found:
            return min(found)[1]
    return None


def locale_country(locale: str) -> str | None:
    """The country part of a locale ("de_DE" → "DE"; "en" → None)."""
    parts = locale.replace("-", "_").split("_")
    return parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 else None


def country_of(
    field_texts: Sequence[str], context_texts: Sequence[str], locale: str, codes: frozenset[str] | None = None
) -> str | None:
    """The country for a field's values: named by the field (a capitalised code from `codes` counts), else by
    the table or the context, else the locale's."""
    return named_country(field_texts, codes) or named_country(context_texts) or locale_country(locale)
