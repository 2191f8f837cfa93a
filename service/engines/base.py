"""What the actors need of an engine: a named catalogue and one async pass.

Engines are functions of text: they know nothing of HTTP, actors or storage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from service.engines.edits import Edit


class EngineError(Exception):
    """A pass could not be run. ``code`` is stable, ``retryable`` says if trying again may help."""

    def __init__(self, message: str, *, code: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class UnsupportedOption(ValueError):
    """A request asks an engine for something it cannot do (a 422 at the edge)."""


@dataclass(frozen=True, slots=True)
class StrategyInfo:
    name: str
    description: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PassOptions:
    disabled_rules: frozenset[str] = frozenset()
    dictionary: frozenset[str] = frozenset()  # words the request asks never to correct
    model: str | None = None
    temperature: float | None = None
    probe_events: int = 0  # probe engine: how many progress events to publish
    probe_rate: float = 0.0  # probe engine: events per second; 0 publishes at once
    # The strategies came from the automatic plan, not the request: an engine may
    # then skip a strategy that does not suit the document (plain words in a contract).
    automatic: bool = False
    # Wall-clock time of the pass's ``pass_started`` event, so that a paced
    # engine keeps its schedule from the moment subscribers were told.
    started_at: float | None = None


@dataclass(frozen=True, slots=True)
class PassOutcome:
    text: str
    edits: tuple[Edit, ...] = ()
    # Engine-specific figures merged into the pass metrics (tokens for LLMs).
    extra_metrics: Mapping[str, float | int] = field(default_factory=dict)
    # The model that produced the text, for engines that use one.
    model: str | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    """New output text of one chunk, from engines that stream text.

    Chunks are written concurrently, so a delta says which one it extends:
    ``chunk`` counts from 0 in document order. With ``restart``, ``text``
    replaces what the chunk's deltas added up to so far.
    """

    chunk: int
    text: str
    restart: bool = False


# Called with (done, total, delta) as a pass advances; must not block.
ProgressCallback = Callable[[int, int, TextDelta | None], None]


class Engine(Protocol):
    name: str

    def strategies(self) -> Mapping[str, StrategyInfo]:
        """The strategies this engine runs, in its default plan order."""
        ...

    def default_plan(self) -> tuple[str, ...]: ...

    def validate(self, strategies: tuple[str, ...], options: PassOptions) -> None:
        """Raise :class:`UnsupportedOption` naming what is wrong and what is allowed."""
        ...

    async def run_pass(
        self, text: str, strategy: str, options: PassOptions, progress: ProgressCallback
    ) -> PassOutcome: ...
