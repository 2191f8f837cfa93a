"""Find identifiers written in prose without backticks: snake_case, CamelCase, dotted.names.

A rule that edits inside one breaks a name a reader may paste into code.
Each kind is found from a cheap anchor (an underscore, a lower-to-upper
case step, a dot between word characters) and widened to the whole token.
"""

from __future__ import annotations

import re

from ._english import SENTENCE_STARTERS
from ._spans import Spans

# Each anchor starts with a literal or a small class so that the scan is fast.
_ANCHORS = (
    re.compile(r"_(?=[^\W_])"),
    re.compile(r"\.(?=\w)"),
    re.compile(r"[A-Z](?<=[a-z][A-Z])"),
)
_TOKEN_CHARS = frozenset("_.")


_RUN = re.compile(r"[\w.]*")


def _run_end(text: str, pos: int) -> int:
    m = _RUN.match(text, pos)
    return m.end() if m else pos


def identifiers(text: str, known: Spans) -> list[tuple[int, int]]:
    """Ranges of identifier-like tokens outside the ``known`` protected ranges."""
    found: list[tuple[int, int]] = []
    anchors = sorted([m.start() for regex in _ANCHORS for m in regex.finditer(text)])
    if not anchors:
        return found
    backwards = text[::-1]
    size = len(text)
    last_end = -1
    starts, ends = known.starts, known.ends
    k = 0
    for pos in anchors:
        if pos < last_end:
            continue
        while k < len(ends) and ends[k] <= pos:
            k += 1
        if k < len(starts) and starts[k] <= pos:
            continue  # inside code or a link already
        if text[pos] == "." and not (pos and text[pos - 1].isalpha()):
            continue  # ".5", "3.14", ".env"
        start = size - _run_end(backwards, size - pos)
        end = _run_end(text, pos)
        last_end = end
        while end > start and text[end - 1] in _TOKEN_CHARS:
            end -= 1  # a full stop or an emphasis mark after the name
        while start < end and text[start] in _TOKEN_CHARS:
            start += 1  # "_word_" is emphasis, ".env" is handled as a path
        if end > start and _is_identifier(text[start:end], text[end : end + 2]):
            found.append((start, end))
    return found


def _is_identifier(token: str, following: str) -> bool:
    if "_" in token:
        return True
    if "." in token:
        head, _, tail = token.partition(".")
        # "end.The": a missing space between sentences, not a name.
        starts = tail in SENTENCE_STARTERS or (tail in ("A", "I") and following[1:].islower())
        return not (head.isalpha() and head.islower() and starts and following[:1] == " ")
    return True  # a case step inside the word: camelCase, CamelCase, iPhone
