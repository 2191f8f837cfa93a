"""The ``openai`` engine's configuration, taken from :class:`~service.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.engines.llm.models import ModelTable
from service.engines.llm.retry import RetryPolicy
from service.settings import Settings


@dataclass(frozen=True, slots=True)
class LLMConfig:
    model: str = "gpt-4o-mini"
    temperature: float = 0.2
    concurrency_per_job: int = 8
    concurrency: int = 32  # requests in flight across all jobs
    max_answer_tokens: int = 4096
    timeout_seconds: float = 60.0  # longest silence while connecting or streaming
    request_seconds: float = 600.0  # longest a request may take, streaming or not
    max_word_loss: float = 0.5  # answers losing a larger share of words are refused
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    models: ModelTable = field(default_factory=ModelTable.load)

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        return cls(
            model=settings.model,
            temperature=settings.llm_temperature,
            concurrency_per_job=settings.llm_concurrency_per_job,
            concurrency=settings.llm_concurrency,
            max_answer_tokens=settings.llm_max_answer_tokens,
            timeout_seconds=settings.llm_timeout_seconds,
            request_seconds=settings.llm_request_seconds,
            max_word_loss=settings.llm_max_word_loss,
            retry=RetryPolicy(
                retries=settings.llm_retries,
                bounded_retries=settings.llm_timeout_retries,
                backoff=settings.llm_backoff_seconds,
            ),
            models=ModelTable.load(
                settings.llm_context_windows,
                {model: (p.input, p.output) for model, p in settings.llm_prices.items()},
            ),
        )
