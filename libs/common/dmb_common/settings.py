"""Settings shared by every process, from DMB_* environment variables (one Settings per process)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dmb_common.endpoints import private_endpoints_allowed
from dmb_common.storage import LocalFolderStore, ObjectStore, S3Store

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside development by the validator below
#: MinIO's out-of-the-box credentials: fine on a laptop, refused in production.
DEFAULT_S3_KEY = "minioadmin"
#: 256 bits: what the secret box and signed values need from DMB_SECRET_KEY in production.
MIN_SECRET_KEY_BYTES = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class BaseServiceSettings(BaseSettings):
    """What every service needs; each service subclasses it with its own database URL default."""

    model_config = SettingsConfigDict(env_prefix="DMB_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default=Path("data"), description="Where embedded mode keeps its SQLite files and objects.")
    bus_url: str = Field(default="memory://", description="memory:// (in-process) or amqp://user:pass@host:5672/vhost")
    bus_namespace: str = Field(default="dmb", description="Prefix of the exchange and queue names.")
    database_url: str | None = Field(default=None, description="This service's own database (SQLAlchemy URL).")
    datasets_url: str | None = Field(default=None, description="The database that holds the users' tables.")
    datasets_schema: str | None = Field(default=None, description="PostgreSQL schema for the users' tables.")
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    log_level: str = "INFO"
    log_format: Literal["json", "console", "auto"] = Field(
        default="auto", description="json lines, readable console lines, or auto: console on a terminal, else json."
    )
    health_host: str = Field(
        default="127.0.0.1", description="Worker services: where /healthz, /readyz and /metrics listen."
    )
    health_port: int = Field(
        default=9000, ge=0, le=65535, description="Worker services: the port of /healthz, /readyz and /metrics."
    )
    s3_endpoint: str | None = Field(
        default=None, description="S3/MinIO endpoint URL; unset: a local folder under data_dir."
    )
    s3_access_key: str = DEFAULT_S3_KEY
    s3_secret_key: SecretStr = SecretStr(DEFAULT_S3_KEY)
    s3_bucket: str = Field(default="dmb-exports", min_length=3, max_length=63)
    s3_region: str | None = None
    export_upload_attempts: int = Field(
        default=4, ge=1, le=20, description="Uploads of an export tried before it is failed (exporter)."
    )
    export_upload_first_delay: float = Field(
        default=0.5, ge=0, le=60, description="Seconds before the second upload attempt; doubled each time."
    )
    export_retention_days: float = Field(
        default=0,
        ge=0,
        description="Days a completed export's file is kept before the exporter deletes it (the export then "
        "shows as expired); fractions allowed; 0 keeps files forever.",
    )
    export_retention_sweep_seconds: float = Field(
        default=3600, gt=0, le=86_400, description="How often the exporter looks for exports past their retention."
    )
    export_temp_dir: Path | None = Field(
        default=None,
        description="Where the exporter writes files before upload (one folder per export); unset: dmb-exports "
        "in the system temp folder. Keep it local to the host.",
    )
    export_temp_sweep_seconds: float = Field(
        default=600,
        gt=0,
        le=86_400,
        description="How often the exporter removes temp files a crashed export left (also done at start-up).",
    )
    ai_wait_seconds: float = Field(
        default=120,
        gt=0,
        le=86_400,
        description="How long a job waits for its AI values before the generator fills the AI fields with Faker "
        "(and notes it in the job's fallbacks).",
    )
    ai_base_url: str | None = Field(
        default=None,
        description="The operator's default OpenAI-compatible endpoint (None: OpenAI's), used when a user has set "
        "no model of their own.",
    )
    ai_model: str = Field(default="gpt-4o-mini", min_length=1, description="The operator's default model.")
    ai_api_key: SecretStr | None = Field(default=None, description="The operator's default API key.")

    ai_allow_private_endpoints: bool | None = Field(
        default=None,
        description="Let users point the platform at a model on a private, loopback or link-local address (their "
        "base URLs are checked before saving and again at call time; cloud metadata addresses are refused always). "
        "Unset: allowed in local mode only.",
    )

    def ai_private_endpoints_allowed(self) -> bool:
        """Whether a user's base URL may resolve to a private address (see dmb_common.endpoints)."""
        return private_endpoints_allowed(self.ai_allow_private_endpoints, self.single_user_local_mode())

    def single_user_local_mode(self) -> bool:
        """The one-user, no-sign-in mode on the user's own machine (only the gateway's settings know it)."""
        return False

    def ai_default_configured(self) -> bool:
        """Whether the operator set a default model: a base URL (a local server needs no key) or a key."""
        return self.ai_base_url is not None or self.ai_api_key is not None

    generator_chunks_per_owner: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="Chunks of one user's jobs queued or running at once (generator): users take turns on the "
        "generators, so no one waits for another's whole queue. At least the number of generator workers, so "
        "that one user alone keeps them all busy.",
    )

    @model_validator(mode="after")
    def _safe_outside_development(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        secret = self.secret_key.get_secret_value()
        if secret == DEV_SECRET:
            raise ValueError("DMB_SECRET_KEY must be set to a strong secret in production")
        if len(secret.encode()) < MIN_SECRET_KEY_BYTES:
            raise ValueError(
                f"DMB_SECRET_KEY is {len(secret.encode())} bytes; production needs at least {MIN_SECRET_KEY_BYTES} "
                "random bytes (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        if self.s3_endpoint and DEFAULT_S3_KEY in (self.s3_access_key, self.s3_secret_key.get_secret_value()):
            default = "DMB_S3_ACCESS_KEY" if self.s3_access_key == DEFAULT_S3_KEY else "DMB_S3_SECRET_KEY"
            raise ValueError(f"{default} is the default {DEFAULT_S3_KEY!r}; set the S3 credentials in production")
        return self

    def service_database_url(self, service: str) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / f'{service}.db'}"

    def resolved_datasets_url(self) -> str:
        return self.datasets_url or f"sqlite:///{self.data_dir / 'datasets.db'}"


def build_object_store(settings: BaseServiceSettings) -> ObjectStore:
    if settings.s3_endpoint:
        return S3Store(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
            settings.s3_bucket,
            settings.s3_region,
        )
    return LocalFolderStore(settings.data_dir / "objects")
