"""The ``openai`` engine: passes run by a model behind an OpenAI-compatible API.

One ``AsyncOpenAI`` client per engine, with the client's own retries off
(see :mod:`.retry`); the owner closes it with ``await engine.aclose()``.
The same client serves the OpenAI API and any compatible server (vLLM,
Ollama, llama.cpp's server) through its base URL.
"""

from __future__ import annotations

from collections.abc import Mapping

import anyio
import anyio.to_thread
import openai

from service.engines.base import (
    PassOptions,
    PassOutcome,
    ProgressCallback,
    StrategyInfo,
    UnsupportedOption,
)
from service.engines.llm._pass import FRAMING_TOKENS, PassRun
from service.engines.llm.chunking import chunk_text, estimate_tokens
from service.engines.llm.config import LLMConfig
from service.engines.llm.dialect import Dialects
from service.engines.llm.progress import PassProgress
from service.engines.llm.prompts import prompt_book

# Room left for an answer, as a share of the chunk's own size: refined text
# is rarely much longer than its source, but a friendlier or more formal
# register can run a little longer.
ANSWER_RATIO = 1.25
MIN_CHUNK_TOKENS = 32
DEFAULT_PLAN = ("normalize", "concise", "plain")


def chunk_budget(window: int, overhead_tokens: int, max_answer_tokens: int) -> int:
    """Tokens of document per request, so that the prompt and its answer fit ``window``."""
    room = (window - overhead_tokens - FRAMING_TOKENS) / (1 + ANSWER_RATIO)
    return max(MIN_CHUNK_TOKENS, int(min(room, max_answer_tokens / ANSWER_RATIO)))


class OpenAIEngine:
    name = "openai"

    def __init__(
        self, client: openai.AsyncOpenAI, config: LLMConfig, *, secret: str | None = None
    ) -> None:
        self._client = client
        self._config = config
        self._secret = secret
        self._book = prompt_book()
        self._limiter = anyio.CapacityLimiter(config.concurrency)
        self._dialects = Dialects()

    @classmethod
    def connect(cls, api_key: str, base_url: str | None, config: LLMConfig) -> OpenAIEngine:
        """An engine with its own client; ``base_url`` ``None`` means the OpenAI API."""
        client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=config.timeout_seconds,
        )
        return cls(client, config, secret=api_key)

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._client.close()

    def strategies(self) -> Mapping[str, StrategyInfo]:
        return self._book.catalogue()

    def default_plan(self) -> tuple[str, ...]:
        return DEFAULT_PLAN

    def validate(self, strategies: tuple[str, ...], options: PassOptions) -> None:
        unknown = [s for s in strategies if s not in self._book.strategies]
        if unknown:
            allowed = ", ".join(self._book.strategies)
            raise UnsupportedOption(
                f"unknown strategy {unknown[0]!r} for the openai engine; it runs: {allowed}"
            )
        if options.disabled_rules:
            raise UnsupportedOption(
                "rules.disable applies to the local engine's rules; the openai engine has none"
            )

    async def run_pass(
        self, text: str, strategy: str, options: PassOptions, progress: ProgressCallback
    ) -> PassOutcome:
        config = self._config
        model = options.model or config.model
        temperature = config.temperature if options.temperature is None else options.temperature
        window = config.models.context_window(model)
        overhead = estimate_tokens(self._book.overhead(strategy))
        budget = chunk_budget(window, overhead, config.max_answer_tokens)
        # A few MB of text take a while to cut: not on the event loop.
        chunks = await anyio.to_thread.run_sync(chunk_text, text, budget)
        run = PassRun(
            client=self._client,
            config=config,
            book=self._book,
            strategy=strategy,
            model=model,
            temperature=temperature,
            window=window,
            shared_limiter=self._limiter,
            secret=self._secret,
            dialects=self._dialects,
        )
        refined = await run.run(chunks, PassProgress(len(chunks), progress))
        price = config.models.price(model)
        cost = price.cost(run.tally.tokens_in, run.tally.tokens_out) if price else None
        return PassOutcome(refined, extra_metrics=run.tally.metrics(cost), model=model)
