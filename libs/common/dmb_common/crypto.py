"""Secrets at rest and in events: Fernet tokens under a key derived from DMB_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr


class SecretBox:
    def __init__(self, secret_key: SecretStr) -> None:
        digest = hashlib.sha256(b"dmb-secret-box:" + secret_key.get_secret_value().encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> SecretStr:
        try:
            return SecretStr(self._fernet.decrypt(token.encode()).decode())
        except InvalidToken as exc:
            raise ValueError("the secret cannot be decrypted with this platform's key") from exc
