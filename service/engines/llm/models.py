"""What the engine knows of a model: its context window and its price.

Both tables ship in ``data/models.json`` and are keyed by model name or name
prefix, so a dated snapshot (``gpt-4o-mini-2024-07-18``) finds its family's
row; the longest matching key wins. Configuration adds rows and overrides
shipped ones. An unknown model gets the ``default`` window, deliberately
small, and no price: its passes report tokens but no cost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    """US dollars per million prompt (``input``) and completion (``output``) tokens."""

    input: float
    output: float

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.input + tokens_out * self.output) / PER_MILLION


@dataclass(frozen=True, slots=True)
class ModelTable:
    windows: Mapping[str, int]
    prices: Mapping[str, Price]

    @classmethod
    def load(
        cls,
        windows: Mapping[str, int] | None = None,
        prices: Mapping[str, tuple[float, float]] | None = None,
    ) -> ModelTable:
        """The shipped tables with ``windows`` and ``prices`` laid over them."""
        raw = json.loads(resources.files(__package__).joinpath("data/models.json").read_text())
        merged_windows = {k: int(v) for k, v in raw["context_windows"].items()}
        merged_windows.update(windows or {})
        merged_prices = {k: Price(v["input"], v["output"]) for k, v in raw["prices"].items()}
        merged_prices.update({k: Price(i, o) for k, (i, o) in (prices or {}).items()})
        return cls(merged_windows, merged_prices)

    def context_window(self, model: str) -> int:
        key = _lookup(self.windows, model)
        return self.windows[key] if key is not None else self.windows.get("default", 4096)

    def price(self, model: str) -> Price | None:
        key = _lookup(self.prices, model)
        return self.prices[key] if key is not None else None


def _lookup(table: Mapping[str, object], model: str) -> str | None:
    if model in table:
        return model
    prefixes = [k for k in table if k != "default" and model.startswith(k)]
    return max(prefixes, key=len) if prefixes else None
