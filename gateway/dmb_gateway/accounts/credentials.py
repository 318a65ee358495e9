"""Secrets we hand out (session ids, API tokens, invitation codes) and the password hasher.

Handed-out secrets are long random strings, so a fast hash is enough to store them: only the hash is kept.
Passwords are chosen by people, so they get argon2 (pwdlib's recommended parameters)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

TOKEN_PREFIX = "dmb_"  # noqa: S105 - a public prefix, not a secret
#: How many leading characters of an API token are kept to show in lists.
SHOWN_PREFIX = 12
MIN_PASSWORD = 10
MAX_PASSWORD = 200

_passwords = PasswordHash((Argon2Hasher(),))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def password_matches(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        # Spend the same time as a real check, so a missing account is not told apart by timing.
        _passwords.hash(password)
        return False
    return _passwords.verify(password, password_hash)


def keyed_digest(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
