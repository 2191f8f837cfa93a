"""Configuration read once from the environment (see the table in README.md)."""

from __future__ import annotations

import json
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
    # The openai engine (see service/engines/llm/).
    llm_temperature: float = 0.2
    llm_concurrency_per_job: int = 8
    llm_concurrency: int = 32
    llm_max_answer_tokens: int = 4096
    llm_timeout_seconds: float = 60.0
    llm_retries: int = 5  # 429 and 5xx answers
    llm_timeout_retries: int = 2
    llm_backoff_seconds: float = 0.5
    llm_max_word_loss: float = 0.5
    # Model name (or prefix) -> USD per million (input, output) tokens; over the defaults.
    llm_prices: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # Model name (or prefix) -> context window in tokens; over the defaults.
    llm_context_windows: Mapping[str, int] = field(default_factory=dict)

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

        def json_object(name: str) -> dict[str, object]:
            raw = text(name)
            if raw is None:
                return {}
            try:
                value = json.loads(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a JSON object, got {raw!r}") from None
            if not isinstance(value, dict):
                raise SettingsError(f"{name} must be a JSON object, got {raw!r}")
            return value

        def prices() -> dict[str, tuple[float, float]]:
            table: dict[str, tuple[float, float]] = {}
            for model, price in json_object("REFINER_PRICES").items():
                ok = isinstance(price, dict) and all(
                    isinstance(price.get(k), int | float) and price[k] >= 0
                    for k in ("input", "output")
                )
                if not ok:
                    raise SettingsError(
                        f"REFINER_PRICES[{model!r}] must be {{'input': USD, 'output': USD}} "
                        "per million tokens"
                    )
                assert isinstance(price, dict)
                table[model] = (float(price["input"]), float(price["output"]))
            return table

        def windows() -> dict[str, int]:
            table: dict[str, int] = {}
            for model, size in json_object("REFINER_CONTEXT_WINDOWS").items():
                if not isinstance(size, int) or size < 256:
                    raise SettingsError(
                        f"REFINER_CONTEXT_WINDOWS[{model!r}] must be a whole number of "
                        "tokens, at least 256"
                    )
                table[model] = size
            return table

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
            llm_temperature=number("REFINER_TEMPERATURE", defaults.llm_temperature, minimum=0),
            llm_concurrency_per_job=integer(
                "REFINER_LLM_CONCURRENCY_PER_JOB", defaults.llm_concurrency_per_job, minimum=1
            ),
            llm_concurrency=integer("REFINER_LLM_CONCURRENCY", defaults.llm_concurrency, minimum=1),
            llm_max_answer_tokens=integer(
                "REFINER_LLM_MAX_ANSWER_TOKENS", defaults.llm_max_answer_tokens, minimum=64
            ),
            llm_timeout_seconds=number(
                "REFINER_LLM_TIMEOUT_SECONDS", defaults.llm_timeout_seconds, minimum=0.1
            ),
            llm_retries=integer("REFINER_LLM_RETRIES", defaults.llm_retries, minimum=0),
            llm_timeout_retries=integer(
                "REFINER_LLM_TIMEOUT_RETRIES", defaults.llm_timeout_retries, minimum=0
            ),
            llm_backoff_seconds=number(
                "REFINER_LLM_BACKOFF_SECONDS", defaults.llm_backoff_seconds, minimum=0
            ),
            llm_max_word_loss=number(
                "REFINER_LLM_MAX_WORD_LOSS", defaults.llm_max_word_loss, minimum=0
            ),
            llm_prices=prices(),
            llm_context_windows=windows(),
        )
