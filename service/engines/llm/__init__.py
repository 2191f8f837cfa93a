"""The ``openai`` engine: strategies as prompts, run chunk by chunk through an
OpenAI-compatible API.

Modules, in the order a pass uses them: :mod:`.prompts` (strategies as
data), :mod:`.chunking` (paragraph chunks that fit the context), :mod:`._pass`
(chunks asked concurrently), :mod:`.completion` (one streamed request and its
retries), :mod:`.errors` and :mod:`.retry` (what failed, when to ask again),
:mod:`.guard` (the answer is the text, or it is refused), :mod:`.progress`
(coalesced deltas), :mod:`.models` (context windows and prices).
"""

from __future__ import annotations

from collections.abc import Mapping

from service.engines.base import StrategyInfo
from service.engines.llm.config import LLMConfig
from service.engines.llm.engine import OpenAIEngine
from service.engines.llm.prompts import prompt_book


def strategy_names() -> tuple[str, ...]:
    """The strategies the engine runs, known without a client (for error messages)."""
    return tuple(prompt_book().strategies)


def strategy_catalogue() -> Mapping[str, StrategyInfo]:
    """The strategies the engine runs, described, known without a client."""
    return prompt_book().catalogue()


__all__ = ["LLMConfig", "OpenAIEngine", "strategy_catalogue", "strategy_names"]
