"""Settings from the environment and `.env` (see `.env.example` for every one)."""

from __future__ import annotations

import re
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'nhacviec.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = DEFAULT_SQLITE_URL
    timezone: str = "Asia/Ho_Chi_Minh"
    # Reminders go out at this local hour; a deadline without its own time ends at workday_end.
    reminder_hour: int = Field(8, ge=0, le=23)
    workday_end: time = time(17, 0)
    # Days before the due date at which secretaries are reminded (0 = on the due day).
    reminder_days: Annotated[list[int], NoDecode] = [7, 3, 1, 0]
    admin_ids: Annotated[list[int], NoDecode] = []
    default_language: str = "vi"
    invite_ttl_days: int = Field(7, ge=1)
    undo_minutes: int = Field(10, ge=1)
    due_soon_days: int = Field(3, ge=0)
    log_level: str = "INFO"
    # The bot's @username, for invite deep links printed by the CLI; unset, the CLI asks getMe (bot/botinfo.py).
    telegram_bot_username: str | None = None
    # For tests and the offline sandbox only: the bot's clock stands still at this instant (ISO, with offset).
    fake_now: datetime | None = None
    # How often python-telegram-bot's rate limiter retries a 429 before giving up.
    rate_limit_retries: int = Field(3, ge=0)
    # Reminders: nothing is sent from quiet_from (local) until reminder_hour; the sweep (which also queues the
    # weekly supervisors' digest, Monday from 07:30) runs this often.
    quiet_from: time = time(21, 0)
    reminder_sweep_seconds: int = Field(60, ge=1, le=3600)
    # A late unit is urged ("📣 Đôn đốc") at most once in this many hours per milestone.
    urge_cooldown_hours: float = Field(24, gt=0)
    # A reminder claimed by a process that then died is sent by another after this many seconds.
    reminder_claim_timeout_seconds: int = Field(300, ge=1)
    # The reminder sweep's database work (composing, claiming, rendering, recording) runs in a second process, on
    # another core: the bot's own then spends its CPU on sending and on replies. Off: one process (~170 MB less).
    delivery_process: bool = True
    # Telegram's overall limit for one bot; raise it only with paid broadcasts (up to 1000/s) or a local
    # test server.
    telegram_messages_per_second: int = Field(30, ge=1, le=1000)
    # Webhook mode (`nhacviec run --webhook`, or WEBHOOK_URL set): Telegram posts updates to WEBHOOK_URL
    # (public HTTPS, through a proxy to WEBHOOK_LISTEN:WEBHOOK_PORT/WEBHOOK_PATH); every request must carry
    # WEBHOOK_SECRET_TOKEN. Several processes may serve one URL behind a load balancer.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(8443, ge=1, le=65535)
    webhook_path: str = "telegram"
    webhook_secret_token: SecretStr | None = None

    @field_validator("admin_ids", "reminder_days", mode="before")
    @classmethod
    def _split_int_list(cls, value: object) -> object:
        # Environment variables hold "1,2,3"; code and tests may pass real lists.
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("reminder_days")
    @classmethod
    def _sorted_days(cls, value: list[int]) -> list[int]:
        if any(day < 0 for day in value):
            raise ValueError("reminder_days must be >= 0")
        return sorted(set(value), reverse=True)

    @field_validator("fake_now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("FAKE_NOW needs a UTC offset, e.g. 2020-05-12T09:00:00+07:00")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises on an unknown zone
        return value

    @field_validator("webhook_url", "webhook_secret_token", "fake_now", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_secret_token")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token: 1–256 characters, A–Z, a–z, 0–9, _ and -.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET_TOKEN: 1-256 characters among A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _bare_path(cls, value: str) -> str:
        return value.strip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None


@lru_cache
def get_settings() -> Settings:
    return Settings()
