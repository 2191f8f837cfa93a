"""The local engine: a deterministic, offline, rule-based refiner.

Four strategies (``spelling``, ``normalize``, ``concise``, ``plain``) each run
a family of rules whose word lists live in ``data/`` (``spelling``'s in two
PyPI packages, see ``_spelling``). Rules never touch code, links,
HTML or quotations, never add or remove a line break, and are idempotent.
"""

from __future__ import annotations

from ._context import HouseStyle
from ._spelling import Vocabulary
from .catalog import (
    RULES,
    STRATEGIES,
    RuleInfo,
    StrategyInfo,
    UnknownRule,
    UnknownStrategy,
    validate_disabled,
)
from .engine import (
    follows_house_style,
    house_style,
    may_start_piece,
    protected_spans,
    refine,
    suits_automatic_plan,
    vocabulary,
)

__all__ = [
    "RULES",
    "STRATEGIES",
    "HouseStyle",
    "RuleInfo",
    "StrategyInfo",
    "UnknownRule",
    "UnknownStrategy",
    "Vocabulary",
    "follows_house_style",
    "house_style",
    "may_start_piece",
    "protected_spans",
    "refine",
    "suits_automatic_plan",
    "validate_disabled",
    "vocabulary",
]
