"""Production refuses settings that would leave it open: a short or default secret key, MinIO's default
credentials; each refusal names the setting to change."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_common.settings import BaseServiceSettings
from pydantic import ValidationError

STRONG = "k" * 32
S3 = {"s3_endpoint": "http://minio:9000", "s3_access_key": "dmb", "s3_secret_key": "a-real-secret"}


def production(**settings: Any) -> BaseServiceSettings:
    return BaseServiceSettings(environment="production", _env_file=None, **settings)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "DMB_SECRET_KEY must be set to a strong secret in production"),
        ({"secret_key": "x"}, "DMB_SECRET_KEY is 1 bytes; production needs at least 32"),
        ({"secret_key": "k" * 31}, "DMB_SECRET_KEY is 31 bytes; production needs at least 32"),
        ({"secret_key": STRONG, **S3, "s3_access_key": "minioadmin"}, "DMB_S3_ACCESS_KEY is the default 'minioadmin'"),
        ({"secret_key": STRONG, **S3, "s3_secret_key": "minioadmin"}, "DMB_S3_SECRET_KEY is the default 'minioadmin'"),
    ],
)
def test_production_refuses_an_unsafe_setting_and_names_it(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        production(**settings)


def test_production_starts_with_a_strong_key_and_its_own_s3_credentials() -> None:
    assert production(secret_key=STRONG, **S3).s3_access_key == "dmb"
    assert production(secret_key="é" * 16).secret_key.get_secret_value() == "é" * 16  # 32 bytes in UTF-8


def test_development_keeps_its_zero_step_defaults() -> None:
    settings = BaseServiceSettings(_env_file=None)

    assert settings.s3_access_key == "minioadmin"
    assert len(settings.secret_key.get_secret_value()) < 32
