"""Settings read from the environment.

`DATABASE_URL` and `REDIS_URL` keep their conventional names so that hosting platforms can
inject them; everything else is prefixed `OBSERVATOIRE_`.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "observatoire.db"


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
    # Jobs and the worker.
    aggregation_cron: str | None = Field(
        default=None, description="Cron expression (5 fields, UTC) of scheduled aggregations."
    )
    job_timeout_seconds: int = 1800
    job_max_tries: int = 3
    relay_interval_seconds: float = 1.0
    # Webhooks.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = 10.0

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
