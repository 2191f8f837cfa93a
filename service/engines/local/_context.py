"""What every rule sees: the text, what is off limits, and how to make an edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.engines.edits import Edit

from ._protect import Protection, protect
from ._text import folded
from .catalog import RULES

if TYPE_CHECKING:
    from ._spelling import Vocabulary


@dataclass(frozen=True, slots=True)
class HouseStyle:
    """The quote, dash and sentence-spacing styles a whole document mostly uses.

    None for quotes or dashes: no clear majority.

    A long document is refined a piece at a time; the styles are decided on
    the whole of it, so that every piece follows the same ones.
    """

    quotes: str | None
    dashes: str | None
    double_spaced: bool = False  # two spaces between sentences


@dataclass(frozen=True, slots=True)
class Context:
    """One pass's input text with its protected ranges worked out once."""

    text: str
    lowered: str  # same offsets as ``text``
    protection: Protection
    house: HouseStyle | None = None  # decided on the whole document, when this is a piece
    vocabulary: Vocabulary | None = None  # counted on the whole document, for ``spelling``

    @classmethod
    def of(
        cls, text: str, house: HouseStyle | None = None, vocabulary: Vocabulary | None = None
    ) -> Context:
        return cls(text, folded(text), protect(text), house, vocabulary)

    def free(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` is outside code, links and quotations."""
        p = self.protection
        return not p.hard.overlaps(start, end) and not p.quoted.overlaps(start, end)

    def free_hard(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` is outside code and links (quotations allowed)."""
        return not self.protection.hard.overlaps(start, end)

    def edit(self, rule: str, start: int, end: int, after: str, reason: str) -> Edit:
        return Edit(
            rule=rule,
            category=RULES[rule].category,
            start=start,
            end=end,
            before=self.text[start:end],
            after=after,
            reason=reason,
        )
