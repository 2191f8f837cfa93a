"""Strategies as prompts: a system and a user message per strategy, kept as data.

``data/prompts.json`` holds the shared rules every answer must follow (the
refined text only, the same paragraphs), then per strategy its description,
its own system instructions and a one-line instruction for the user message.
The document goes into the user message between ``<text>`` tags; it is
substituted last and as is, so braces or tags inside it are never templates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from service.engines.base import StrategyInfo


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    description: str
    categories: tuple[str, ...]
    system: str
    instruction: str


@dataclass(frozen=True, slots=True)
class PromptBook:
    shared_system: str
    user: str
    strategies: Mapping[str, Prompt]

    def render(self, strategy: str, text: str) -> tuple[str, str]:
        """The system and user messages that ask for ``strategy`` applied to ``text``."""
        prompt = self.strategies[strategy]
        user = self.user.replace("{instruction}", prompt.instruction)
        head, _, tail = user.partition("{text}")
        return f"{self.shared_system}\n\n{prompt.system}", head + text + tail

    def overhead(self, strategy: str) -> str:
        """What a request holds besides the document, to size chunks by."""
        return "".join(self.render(strategy, ""))

    def catalogue(self) -> dict[str, StrategyInfo]:
        """The strategies, as the engine describes them."""
        return {
            name: StrategyInfo(name, p.description, p.categories)
            for name, p in self.strategies.items()
        }


@cache
def prompt_book() -> PromptBook:
    raw = json.loads(resources.files(__package__).joinpath("data/prompts.json").read_text())
    strategies = {
        name: Prompt(
            name,
            entry["description"],
            tuple(entry.get("categories", ())),
            entry["system"],
            entry["instruction"],
        )
        for name, entry in raw["strategies"].items()
    }
    return PromptBook(raw["shared_system"], raw["user"], MappingProxyType(strategies))
