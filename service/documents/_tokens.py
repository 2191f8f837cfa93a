"""What counts as a word, shared by the readability metrics and the word diff.

A word is a run of letters and digits (combining accents included) joined by
single inner apostrophes or hyphens (``don't``, ``well-known``); numbers keep
their separators (``3.14`` and ``1,000`` are one word each). CJK ideographs
and kana count as one word per character: those scripts put no spaces between
words, and the character is the usual counting unit for them.

``TOKEN`` splits any text into words, whitespace runs and single other
characters (punctuation, symbols, emoji, CJK), so joining the tokens always
gives back the text exactly. The common case comes first in each pattern:
tokenising is most of the cost of a large diff.
"""

from __future__ import annotations

import re

# CJK ideographs (basic, extension A, compatibility), hiragana and katakana.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A letter or digit: ``\w`` without ``_`` and without CJK.
_ALNUM = rf"[^\W_{_CJK}]"
# Combining diacritical marks, which ``\w`` does not match.
_MARK = r"[\u0300-\u036f]"
_RUN = rf"{_ALNUM}+(?:{_MARK}+{_ALNUM}*)*"
_JOINER = r"(?:['\u2019-]|(?<=\d)[.,](?=\d))"
_ALNUM_WORD = rf"{_RUN}(?:{_JOINER}{_RUN})*"

WORD = re.compile(rf"{_ALNUM_WORD}|[{_CJK}]")
TOKEN = re.compile(rf"{_ALNUM_WORD}|\s+|.", re.DOTALL)


def is_word(token: str) -> bool:
    """Tell whether a token produced by ``TOKEN`` is a word."""
    return WORD.fullmatch(token) is not None
