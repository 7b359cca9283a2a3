"""Settings from the environment and a `.env` file (pydantic-settings).

Only what the process needs to start lives here; everything an admin changes at run time
lives in the database (see `workflows.core.settings`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_URL = "https://slack.com/api/"


def _split_ids(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


class Settings(BaseSettings):
    """The process settings; names match the spec's environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN", repr=False)
    slack_api_url: str = Field(default=DEFAULT_API_URL, alias="SLACK_API_URL")
    database_url: str = Field(default="sqlite:///aigov.db", alias="AIGOV_DATABASE_URL")
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="AIGOV_ADMINS")
    leaders: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="AIGOV_LEADERS")
    timezone: str = Field(default="UTC", alias="AIGOV_TIMEZONE")
    currency: str = Field(default="USD", alias="AIGOV_CURRENCY")

    @field_validator("admins", "leaders", mode="before")
    @classmethod
    def _ids(cls, value: object) -> list[str]:
        return _split_ids(value)

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins method names with urljoin, which drops a last path segment
        # that has no trailing slash.
        return value if value.endswith("/") else value + "/"

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        value = value.strip().upper()
        if len(value) != 3 or not value.isascii() or not value.isalpha():
            raise ValueError("AIGOV_CURRENCY must be a three-letter ISO 4217 code such as USD")
        return value

    def setting_defaults(self) -> dict[str, str]:
        """Database settings whose default comes from the environment."""
        return {"currency": self.currency, "review_timezone": self.timezone}

    def missing_for_serve(self, *, socket_mode: bool) -> list[str]:
        """Names of the variables `aigov serve` needs but does not have."""
        needed = {"SLACK_BOT_TOKEN": self.slack_bot_token}
        if socket_mode:
            needed["SLACK_APP_TOKEN"] = self.slack_app_token
        else:
            needed["SLACK_SIGNING_SECRET"] = self.slack_signing_secret
        return [name for name, value in needed.items() if not value]
