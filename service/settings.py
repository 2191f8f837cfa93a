"""Configuration read once from the environment (see the table in README.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _default_max_jobs() -> int:
    # Local passes are CPU-bound in worker threads; LLM passes wait on the
    # network. A few jobs per core keeps both busy without thrashing.
    return max(2, 4 * (os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "0.0.0.0"
    port: int = 8000
    data_dir: Path = Path("data")
    output_dir: Path = Path("output")
    templates_dir: Path = Path("templates")
    feedback_dir: Path = Path("strategy_feedback")
    backend_api_key: str | None = None
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    model: str = "gpt-4o-mini"
    max_jobs: int = field(default_factory=_default_max_jobs)
    max_queue: int = 1000
    max_upload_bytes: int = 10 * 1024 * 1024
    max_text_chars: int = 5_000_000
    retention_seconds: float = 30 * 24 * 3600.0
    cleanup_interval_seconds: float = 600.0
    sse_ping_seconds: float = 15.0
    subscriber_buffer: int = 1024
    cors_origins: tuple[str, ...] = ()
    log_level: str = "info"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def number(name: str, default: float, *, minimum: float) -> float:
            raw = text(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number, got {raw!r}") from None
            if value < minimum:
                raise SettingsError(f"{name} must be at least {minimum}, got {raw!r}")
            return value

        def integer(name: str, default: int, *, minimum: int) -> int:
            value = number(name, default, minimum=minimum)
            if value != int(value):
                raise SettingsError(f"{name} must be a whole number, got {value}")
            return int(value)

        origins = tuple(
            o.strip() for o in (text("REFINER_CORS_ORIGINS") or "").split(",") if o.strip()
        )
        return cls(
            host=text("REFINER_HOST") or defaults.host,
            port=integer("REFINER_PORT", defaults.port, minimum=0),
            data_dir=Path(text("REFINER_DATA_DIR") or defaults.data_dir),
            output_dir=Path(text("REFINER_OUTPUT_DIR") or defaults.output_dir),
            templates_dir=Path(text("REFINER_TEMPLATES_DIR") or defaults.templates_dir),
            feedback_dir=Path(text("REFINER_FEEDBACK_DIR") or defaults.feedback_dir),
            backend_api_key=text("BACKEND_API_KEY"),
            openai_api_key=text("OPENAI_API_KEY"),
            openai_base_url=text("OPENAI_BASE_URL"),
            model=text("REFINER_MODEL") or defaults.model,
            max_jobs=integer("REFINER_MAX_JOBS", defaults.max_jobs, minimum=1),
            max_queue=integer("REFINER_MAX_QUEUE", defaults.max_queue, minimum=0),
            max_upload_bytes=integer(
                "REFINER_MAX_UPLOAD_BYTES", defaults.max_upload_bytes, minimum=1024
            ),
            max_text_chars=integer("REFINER_MAX_TEXT_CHARS", defaults.max_text_chars, minimum=1),
            retention_seconds=number(
                "REFINER_RETENTION_SECONDS", defaults.retention_seconds, minimum=0
            ),
            cleanup_interval_seconds=number(
                "REFINER_CLEANUP_INTERVAL_SECONDS", defaults.cleanup_interval_seconds, minimum=0.05
            ),
            sse_ping_seconds=number(
                "REFINER_SSE_PING_SECONDS", defaults.sse_ping_seconds, minimum=0.05
            ),
            subscriber_buffer=integer(
                "REFINER_SUBSCRIBER_BUFFER", defaults.subscriber_buffer, minimum=4
            ),
            cors_origins=origins,
            log_level=(text("REFINER_LOG_LEVEL") or defaults.log_level).lower(),
        )
