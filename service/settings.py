"""Configuration read once from the environment (see the table in README.md).

Every setting is ``REFINER_`` and its field name in capitals, unless the field
names another variable: the seed's ``BACKEND_API_KEY``, the ``openai``
library's ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``, and three shorter
names of the ``openai`` engine's own. An empty variable means the default.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from service.validation import Loc, explain, model_fields

PREFIX = "REFINER_"


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _default_max_jobs() -> int:
    # Local passes are CPU-bound in worker threads; LLM passes wait on the
    # network. A few jobs per core keeps both busy without thrashing.
    return max(2, 4 * (os.cpu_count() or 1))


def _default_templates_dir() -> Path:
    """``./templates`` where there is one, else the templates shipped beside the service,
    so that ``refiner serve`` run from any folder offers them."""
    here = Path("templates")
    shipped = Path(__file__).resolve().parent.parent / "templates"
    return here if here.is_dir() or not shipped.is_dir() else shipped


def _named(variable: str) -> Any:
    """A field read from ``variable`` rather than from its ``REFINER_`` name."""
    return AliasChoices(variable)


class ModelPrice(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_ignore_empty=True,
        str_strip_whitespace=True,
        frozen=True,
        extra="ignore",
        # Code and tests may name a field, e.g. Settings(llm_temperature=0.7).
        validate_by_name=True,
    )

    host: str = "0.0.0.0"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Path("data")
    output_dir: Path = Path("output")
    templates_dir: Path = Field(default_factory=_default_templates_dir)
    feedback_dir: Path = Path("strategy_feedback")
    backend_api_key: str | None = Field(default=None, validation_alias=_named("BACKEND_API_KEY"))
    openai_api_key: str | None = Field(default=None, validation_alias=_named("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=_named("OPENAI_BASE_URL"))
    model: str = "gpt-4o-mini"
    max_jobs: int = Field(default_factory=_default_max_jobs, ge=1)
    max_queue: int = Field(default=1000, ge=0)
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_text_chars: int = Field(default=5_000_000, ge=1)
    retention_seconds: float = Field(default=30 * 24 * 3600.0, ge=0)
    cleanup_interval_seconds: float = Field(default=600.0, ge=0.05)
    sse_ping_seconds: float = Field(default=15.0, ge=0.05)
    subscriber_buffer: int = Field(default=1024, ge=4)
    # A file of words (one a line) that the spelling strategy never corrects,
    # read once here; a missing or unreadable file stops the service at start.
    dictionary: Annotated[frozenset[str], NoDecode] = frozenset()
    # Comma-separated in the environment.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = "info"
    # The openai engine (see service/engines/llm/).
    llm_temperature: float = Field(
        default=0.2, ge=0, validation_alias=_named(PREFIX + "TEMPERATURE")
    )
    llm_concurrency_per_job: int = Field(default=8, ge=1)
    llm_concurrency: int = Field(default=32, ge=1)
    llm_max_answer_tokens: int = Field(default=4096, ge=64)
    llm_timeout_seconds: float = Field(default=60.0, ge=0.1)
    llm_request_seconds: float = Field(default=600.0, ge=1)
    llm_retries: int = Field(default=5, ge=0)  # 429 and 5xx answers
    llm_timeout_retries: int = Field(default=2, ge=0)
    llm_backoff_seconds: float = Field(default=0.5, ge=0)
    llm_max_word_loss: float = Field(default=0.5, ge=0)
    # JSON objects, laid over the shipped tables: model name (or prefix) to its
    # price, and to its context window in tokens.
    # Decoded by _json_object rather than by pydantic-settings, whose error
    # for bad JSON names no variable.
    llm_prices: Annotated[dict[str, ModelPrice], NoDecode] = Field(
        default_factory=dict, validation_alias=_named(PREFIX + "PRICES")
    )
    llm_context_windows: Annotated[dict[str, Annotated[int, Field(ge=256)]], NoDecode] = Field(
        default_factory=dict, validation_alias=_named(PREFIX + "CONTEXT_WINDOWS")
    )

    @field_validator("llm_prices", "llm_context_windows", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ValueError(f"not valid JSON ({exc})") from None
        return value

    @field_validator("dictionary", mode="before")
    @classmethod
    def _read_dictionary(cls, value: object) -> object:
        if isinstance(value, str | Path):
            return read_dictionary(Path(value))
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of this process's environment; ``SettingsError`` names what is wrong."""
        try:
            return cls()
        except ValidationError as exc:
            problems = explain(
                exc.errors(),
                field=model_fields(cls),
                name=functools.partial(_variable_name, cls),
            )
            raise SettingsError("; ".join(problems)) from None

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable a field is read from."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
        return PREFIX + field.upper()


def read_dictionary(path: Path) -> frozenset[str]:
    """The words of a dictionary file: one a line; blank lines and ``#`` comments skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"cannot read the dictionary file {str(path)!r}: {reason}") from None
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def _variable_name(settings: type[Settings], loc: Loc) -> str:
    """A problem's place, named by its variable: ``REFINER_PORT``, ``REFINER_X['key']``."""
    first, *inner = (str(part) for part in loc)
    # A field read under its own name is reported by field; one with an alias, by the alias.
    name = settings.variable(first) if first in settings.model_fields else first
    return f"{name}{''.join(f'[{part!r}]' for part in inner)}"
