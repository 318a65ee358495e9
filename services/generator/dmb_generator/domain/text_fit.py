"""Fitting text values into length limits, and making them unique by construction.

A unique text value carries a tag: the global row index in base 36, after a separator the tag itself never
contains, so two rows can never share a value however their visible part was cut. Emails and URLs are
rebuilt shorter (a shorter domain, no path) instead of being cut mid-domain, so they stay valid.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
FALLBACK_DOMAIN = "example.com"
FALLBACK_URL = "http://example.com/"
_EMAIL_LOCAL_LIMIT = 64
_LOCAL_UNSAFE = re.compile(r"[^a-z0-9._+-]+")
_DOMAIN_UNSAFE = re.compile(r"[^a-z0-9-]+")
_DOMAIN = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+")
_URL = re.compile(r"(?P<prefix>[a-z][a-z0-9+.-]*://[^/?#\s]+)(?P<rest>.*)", re.IGNORECASE)


def base36(number: int) -> str:
    if number < 0:
        raise ValueError("row indexes are not negative")
    digits = []
    while True:
        number, remainder = divmod(number, 36)
        digits.append(_DIGITS[remainder])
        if number == 0:
            return "".join(reversed(digits))


def cut_text(value: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when one is near."""
    if len(value) <= limit:
        return value
    cut = value[:limit]
    space = cut.rfind(" ")
    if space > limit // 2 and space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") or value[:limit]


def pad_text(value: str, minimum: int, filler: str) -> str:
    """At least `minimum` characters, extended with words from `filler` rather than one repeated letter."""
    if len(value) >= minimum:
        return value
    words = filler.split() or ["x"]
    index = 0
    while len(value) < minimum:
        value = f"{value} {words[index % len(words)]}" if value else words[index % len(words)]
        index += 1
    return value


def fit_text(value: str, minimum: int, maximum: int | None, filler: str) -> str:
    if maximum is not None:
        value = cut_text(value, maximum)
    value = pad_text(value, minimum, filler)
    if maximum is not None and len(value) > maximum:
        value = value[:maximum]
        if value.endswith(" "):
            value = value[:-1] + "x"
    return value


def unique_text(value: str, row: int, minimum: int, maximum: int | None, filler: str) -> str:
    tag = base36(row)
    room = None if maximum is None else maximum - len(tag) - 1
    if room is not None and room < 1:
        # No room for a visible part: the tag alone, zero-padded to the minimum (still one value per row).
        return tag.rjust(max(minimum, len(tag)), "0")
    base = fit_text(value.replace("\n", " ") or "x", max(0, minimum - len(tag) - 1), room, filler)
    return f"{base}-{tag}"


def _clean_local(local: str) -> str:
    local = _LOCAL_UNSAFE.sub("", local.lower())
    local = re.sub(r"\.{2,}", ".", local).strip(".")
    return local or "user"


@lru_cache(maxsize=4096)  # a column repeats a few domains: cleaning each once keeps emails fast
def _clean_domain(domain: str) -> str:
    # Faker's domains are always valid; a template's ("{company}.test") may need cleaning, else a fallback.
    labels = [_DOMAIN_UNSAFE.sub("", label).strip("-") for label in domain.lower().split(".")]
    cleaned = ".".join(label for label in labels if label)
    return cleaned if _DOMAIN.fullmatch(cleaned) else FALLBACK_DOMAIN


def fit_email(value: str, minimum: int, maximum: int, row: int | None) -> str:
    """A valid address within the limits; with `row`, unique by a base-36 tag at the end of the local part."""
    local, _, domain = value.rpartition("@")
    if not local:
        local, domain = value, FALLBACK_DOMAIN
    local, domain = _clean_local(local), _clean_domain(domain)
    tag = "" if row is None else "." + base36(row)
    if len(tag) + 2 + len(domain) > maximum:
        domain = FALLBACK_DOMAIN
    budget = min(_EMAIL_LOCAL_LIMIT, maximum - 1 - len(domain)) - len(tag)
    if budget < 1:
        raise ValueError(f"an email address needs more than {maximum} characters here")
    local = local[:budget].rstrip(".") or "user"[:budget]
    shortfall = minimum - (len(local) + len(tag) + 1 + len(domain))
    if shortfall > 0:
        local = local + "0" * min(shortfall, budget - len(local))
    address = f"{local}{tag}@{domain}"
    if len(address) < minimum:
        raise ValueError(f"an email address cannot reach {minimum} characters within the limits")
    return address


def fit_url(value: str, minimum: int, maximum: int, row: int | None) -> str:
    """A valid URL within the limits; with `row`, unique by a base-36 path segment at the end."""
    match = _URL.fullmatch(value.strip())
    prefix, rest = (match["prefix"], match["rest"]) if match else (FALLBACK_URL.rstrip("/"), "/")
    tag = "" if row is None else base36(row)
    if row is not None:
        rest = "/"
    if len(prefix) + len(rest) + len(tag) > maximum:
        rest = "/"
    if len(prefix) + len(rest) + len(tag) > maximum:
        prefix = FALLBACK_URL.rstrip("/")
    url = f"{prefix}{rest}{tag}"
    if len(url) > maximum:
        raise ValueError(f"a URL needs more than {maximum} characters here")
    if len(url) < minimum:
        if tag:
            # "x…x-tag" as the last segment: the tag stays after the last "-", so rows cannot collide.
            url = f"{prefix}/{'x' * (minimum - len(prefix) - 2 - len(tag))}-{tag}"
        else:
            url = f"{url}{'x' * (minimum - len(url))}"
    return url


def email_min_length(rows: int) -> int:
    return 1 + 1 + len(base36(max(rows - 1, 0))) + 1 + len(FALLBACK_DOMAIN)


def url_min_length(rows: int) -> int:
    return len(FALLBACK_URL) + len(base36(max(rows - 1, 0)))
