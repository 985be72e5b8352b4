"""Program settings: defaults, then a TOML file, then SHANGLIANG_* environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.group_settings import Duration, GroupSettings

DEFAULT_CONFIG = Path("config.toml")


class TelegramSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    poll_timeout: int = 30
    rate_limiter: bool = True

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value


class DatabaseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path = Path("shangliang.db")
    synchronous: Literal["NORMAL", "FULL"] = "FULL"
    busy_timeout_ms: int = 5000
    # Received updates that cannot be stored are retried this long; then the process exits
    # non-zero so that systemd or Docker restarts it (nothing unstored is confirmed).
    give_up_after: Duration = timedelta(seconds=60)


class LimitSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A member may send this many commands or presses per window before being asked to slow down.
    flood_burst: int = 8
    flood_window: Duration = timedelta(seconds=10)
    # Tally edits on a ballot card are coalesced over this interval.
    tally_refresh: Duration = timedelta(seconds=10)
    admin_cache: Duration = timedelta(seconds=60)


class LoggingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHANGLIANG_", env_nested_delimiter="__", extra="forbid"
    )

    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    defaults: GroupSettings = GroupSettings()
    limits: LimitSettings = LimitSettings()
    logging: LoggingSettings = LoggingSettings()


class ConfigError(Exception):
    """The configuration cannot be used; `lines` says why, one problem per line."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def config_path(explicit: str | os.PathLike[str] | None) -> tuple[Path, bool]:
    """The file to read and whether the user named it (a named file must exist)."""
    if explicit:
        return Path(explicit), True
    from_env = os.environ.get("SHANGLIANG_CONFIG")
    if from_env:
        return Path(from_env), True
    return DEFAULT_CONFIG, False


def load_settings(explicit: str | os.PathLike[str] | None = None) -> Settings:
    path, required = config_path(explicit)
    if required and not path.is_file():
        raise ConfigError([f"config file not found: {path}"])

    class _FromFile(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (
                init_settings,
                env_settings,
                TomlConfigSettingsSource(settings_cls, toml_file=path),
            )

    try:
        return _FromFile()
    except ValidationError as exc:
        raise ConfigError(
            [
                f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
                for err in exc.errors()
            ]
        ) from None
    except ValueError as exc:  # TOML syntax errors
        raise ConfigError([f"{path}: {exc}"]) from None


def require_token(settings: Settings) -> str:
    if settings.telegram.token is None:
        raise ConfigError(
            [
                "telegram.token is not set: put it in config.toml under [telegram] "
                "or in the environment variable SHANGLIANG_TELEGRAM__TOKEN"
            ]
        )
    return settings.telegram.token.get_secret_value()
