"""Tell English prose from other languages, for the rules that change a word.

Capitalising a sentence's first word or choosing "a" or "an" is right only
in English: a Spanish "a" or a German "an" is no article. A paragraph reads
as English when enough of its words are English function words that other
Latin-script languages do not share.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ._data import load_words

FUNCTION_WORDS = load_words("function_words.txt")
# Function words that are also common words of German, French, Spanish, Italian,
# Portuguese or Dutch: no evidence either way.
_SHARED = frozenset(
    {
        "a", "am", "an", "also", "as", "do", "even", "he", "i", "in", "is", "me", "most", "no",
        "of", "on", "once", "over", "so", "to", "under", "us", "was", "will",
    }
)  # fmt: skip
_ENGLISH = FUNCTION_WORDS - _SHARED
# Capitalised function words that may follow a full stop typed without its space
# ("end.The"); one-letter ones are left out, since "re.A" and "re.I" are names.
SENTENCE_STARTERS = frozenset(w.capitalize() for w in FUNCTION_WORDS if len(w) > 1)
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def reads_as_english(paragraph: str) -> bool:
    """Whether ``paragraph`` is English prose: its own function words, no foreign letters."""
    words = _WORD.findall(paragraph.lower())
    if not words:
        return False
    english = sum(1 for w in words if w in _ENGLISH)
    foreign = sum(1 for w in words if not w.isascii())
    enough = 1 if len(words) <= 12 else 2
    return english >= enough and english * 8 >= len(words) and foreign * 20 <= len(words)


class EnglishParagraphs:
    """Answers "is the paragraph around this position English?", reading each paragraph once."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._bounds: tuple[list[int], list[int]] | None = None
        self._known: dict[int, bool] = {}

    @classmethod
    def of(cls, text: str) -> EnglishParagraphs:
        """The answers for ``text``, shared by the rules of one round (the last text asked)."""
        global _LAST
        last = _LAST
        if last is not None and last._text is text:
            return last
        _LAST = found = cls(text)
        return found

    def at(self, pos: int) -> bool:
        if self._bounds is None:  # built whole, then set at once: threads may share it
            starts, ends = [0], []
            for m in _PARAGRAPH_BREAK.finditer(self._text):
                ends.append(m.start())
                starts.append(m.end())
            ends.append(len(self._text))
            self._bounds = starts, ends
        starts, ends = self._bounds
        i = bisect_right(starts, pos) - 1
        known = self._known.get(i)
        if known is None:
            known = self._known[i] = reads_as_english(self._text[starts[i] : ends[i]])
        return known


_LAST: EnglishParagraphs | None = None
