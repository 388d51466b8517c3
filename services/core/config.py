"""Settings read from the environment.

`DATABASE_URL` and `REDIS_URL` keep their conventional names so that hosting platforms can
inject them; everything else is prefixed `OBSERVATOIRE_`.
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.core.outbox.cron import parse_cron

DEFAULT_SQLITE_PATH = Path("var") / "observatoire.db"
# Where `npm run build` in services/web writes the dashboard, found from this file rather than
# from the working directory, so that `serve` started from anywhere finds it.
DEFAULT_WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OBSERVATOIRE_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}",
        validation_alias=AliasChoices("DATABASE_URL", "OBSERVATOIRE_DATABASE_URL"),
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "OBSERVATOIRE_REDIS_URL")
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias=AliasChoices("PORT", "OBSERVATOIRE_PORT"))
    db_pool_size: int = 10
    log_level: str = "info"
    log_format: Literal["json", "console"] = Field(
        default="json", description="json: one JSON object per line; console: for a terminal."
    )
    # Protection of the HTTP API.
    rate_limit_requests: int = Field(
        default=1200, ge=0, description="Requests per window allowed to one API key (0: no limit)."
    )
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_failed_authentications: int = Field(
        default=100,
        ge=1,
        description="Answers 401 one client address may get per window before it is refused (429).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser, comma-separated; none by default.",
    )
    metrics_token: str | None = Field(
        default=None, description="When set, /metrics asks for `Authorization: Bearer <token>`."
    )
    # Open data: the published registry and scores may be read without a key.
    public_read: bool = Field(
        default=False,
        description="When true, GET on snapshots, territories, catalysts, the map, alliances, "
        "vocabularies and methodologies needs no key (rate-limited per client address).",
    )
    # What each API process keeps in memory (see README, "Caching and freshness").
    api_key_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        le=10,
        description="How long a process may use an API key without reading it again (0: never "
        "kept). A revocation reaches every process within 1 s through Redis, within this bound without.",
    )
    read_cache_megabytes: int = Field(
        default=64,
        ge=0,
        description="Memory per process for encoded answers of published snapshots (0: none kept).",
    )
    # The web dashboard served at `/`.
    web_dist: Path = Field(
        default=DEFAULT_WEB_DIST, description="The dashboard's build (index.html and assets/)."
    )
    # Jobs and the worker.
    aggregation_cron: str | None = Field(
        default=None,
        description="Cron expression (5 fields, always UTC) of scheduled aggregations; unset, none.",
    )
    job_timeout_seconds: int = 1800
    aggregation_explanations: bool = Field(
        default=True,
        description="Publish each snapshot with its explanations (false only to measure what they "
        "cost: the explanations of such a snapshot answer 404).",
    )
    job_max_tries: int = 3
    relay_interval_seconds: float = 1.0
    # Webhooks.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = 10.0

    @field_validator("aggregation_cron")
    @classmethod
    def _parse_cron(cls, value: str | None) -> str | None:
        # Refused at start-up, in every process, rather than by a relay loop later on.
        if value is None or not value.strip():
            return None
        return parse_cron(value).expression

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @property
    def async_database_url(self) -> str:
        """Accept the usual `postgres://` and `postgresql://` spellings and pick async drivers."""
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
