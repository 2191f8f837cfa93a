"""Terms of art: legal, financial and technical collocations that no rule rewrites.

"Beneficial owner", "retain counsel", "per annum" and "retaining wall" mean
something exact; replacing one of their words ("helpful owner", "keep
counsel") changes or destroys that meaning. A candidate edit is checked
against the terms found in a small window around it, so the text is never
scanned as a whole for them.
"""

from __future__ import annotations

from ._data import data_lines
from ._text import phrase_regex, word_starts_at

TERMS = frozenset(" ".join(line.lower().split()) for line in data_lines("terms_of_art.txt"))
_REGEX = phrase_regex(TERMS)
_REACH = max(len(term) for term in TERMS)


def in_term(text: str, lowered: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps a term of art (``lowered`` is ``text`` lower-cased)."""
    lo = max(0, start - _REACH)
    hi = min(len(lowered), end + _REACH)
    pos = lo
    while (m := _REGEX.search(lowered, pos, hi)) is not None:
        if word_starts_at(text, m.start()) and m.start() < end and start < m.end():
            return True
        pos = m.start() + 1
    return False
