"""The one typed settings object, read from the environment (and an optional `.env`)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_LANGUAGES = ("id", "en")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


class Settings(BaseSettings):
    """Everything Dampingan reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_URL")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("data"), alias="DAMPINGAN_DATA_DIR")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="DAMPINGAN_ADMIN_IDS"
    )
    timezone: str = Field(default="Asia/Jakarta", alias="DAMPINGAN_TIMEZONE")
    language: str = Field(default="id", alias="DAMPINGAN_LANGUAGE")
    invitation_days: int = Field(default=7, ge=1, le=90, alias="DAMPINGAN_INVITATION_DAYS")
    # Telegram's limits: about 30 messages a second overall, one a second per chat.
    send_rate: float = Field(default=30, gt=0, le=1000, alias="DAMPINGAN_SEND_RATE")
    chat_send_rate: float = Field(default=1, gt=0, le=100, alias="DAMPINGAN_CHAT_SEND_RATE")
    # Off for a second instance or for tests: no weekly jobs, no catch-up at start.
    scheduled_jobs: bool = Field(default=True, alias="DAMPINGAN_SCHEDULED_JOBS")
    # Seconds the bot waits for Telegram's answer to a call (uploads get three times this).
    api_timeout: float = Field(default=10, gt=0, le=120, alias="DAMPINGAN_API_TIMEOUT")
    # Seconds between the retries of a call Telegram failed (5xx, time-out, network): as many
    # retries as values. About 15 s in all rides out a short Telegram hiccup.
    api_backoff: Annotated[tuple[float, ...], NoDecode] = Field(
        default=(0.5, 1.0, 2.0, 4.0, 8.0), alias="DAMPINGAN_API_BACKOFF"
    )
    report_max_age_days: int = Field(
        default=30, ge=1, le=366, alias="DAMPINGAN_REPORT_MAX_AGE_DAYS"
    )
    # A visit's location (or a photo's EXIF position) farther than this from the village's
    # centre is flagged for the coordinators (never refused).
    max_distance_km: float = Field(default=3, gt=0, le=100, alias="DAMPINGAN_MAX_DISTANCE_KM")
    # Where the nightly backup goes (jobs/backup.py); unset: no nightly backup.
    backup_dir: Path | None = Field(default=None, alias="DAMPINGAN_BACKUP_DIR")
    # How many nightly backups are kept (the newest).
    backup_keep: int = Field(default=7, ge=1, le=365, alias="DAMPINGAN_BACKUP_KEEP")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        # Operators write "123, 456" in a shell; a JSON list would be a trap.
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("expected comma-separated Telegram user ids, e.g. 12345,67890")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("api_backoff", mode="before")
    @classmethod
    def _parse_backoff(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                delays = tuple(float(p) for p in value.split(",") if p.strip())
            except ValueError:
                raise ValueError("expected comma-separated seconds, e.g. 0.5,1,2,4,8") from None
            if any(d < 0 or d > 300 for d in delays):
                raise ValueError("each delay must be between 0 and 300 seconds")
            return delays
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _check_db(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_url_or_default(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dampingan.sqlite3').resolve()}"

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    def require_token(self) -> str:
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN: missing (get one from @BotFather, or run `make demo`)"
            )
        return self.telegram_bot_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Reads the settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        field = Settings.model_fields.get(name)
        env_name = field.alias if field is not None and field.alias else name
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{env_name}: {message}") from None
