"""What an engine returns for one pass: the new text and why each change was made.

Edits are recorded against the pass's *input*: ``start`` and ``end`` are
character offsets into the text the pass was given, ``before`` is exactly
``input[start:end]`` and ``after`` is what took its place. Edits never
overlap and are sorted by ``start``, so an editor can lay them over the
input text in one sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Edit:
    """One explained change made by one rule."""

    rule: str
    category: str
    start: int
    end: int
    before: str
    after: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        # Built by hand: dataclasses.asdict deep-copies, which on a pass's
        # tens of thousands of edits took seconds.
        return {
            "rule": self.rule,
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Refinement:
    """The outcome of applying one strategy to one text."""

    text: str
    edits: tuple[Edit, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.edits)
