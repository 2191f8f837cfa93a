"""Which word a misspelt one was meant to be, when one is clearly the likeliest.

A small noisy-channel choice. The candidates are the known words one
*plausible* slip away: two letters swapped ("teh"), a letter doubled or
undoubled ("untill", "accomodate"), a vowel for a vowel ("definately"), a
letter left out ("wich") or a neighbouring key hit ("pricacy"); never a
change of the first letter, where identifiers and names differ from words
("xoptions", "gunicorn"). Each is scored by its frequency times how likely
its slip is, and one is chosen only when

- it scores ``MARGIN`` times more than the runner-up ("wierd" could be
  "weird" or "wired": left),
- it is common itself (zipf 3 or more), and ``SELF_RATIO`` times more common
  than the unknown word, which the web may know well ("dialled" is a fifth
  as common as "dialed": left),
- its slip is one that words of its length suffer rather than abbreviations
  and identifiers: a vowel for a vowel only in words of seven letters or
  more ("dicts" is not "ducts", "struct" not "strict") and never in the last
  letter ("modulo"); a left-out letter or a neighbouring key only in words
  of six letters or more that the web does not use ("codecs", "parens"),
  and not in a word made of two words ("refcount");
- and the unknown word is not a known word with a prefix or suffix added
  ("matchings", "rewriter", "prebuild") unless the correction keeps that
  affix and only doubles the stem's last letter ("occured" -> "occurred"),
  nor a known word with one or two consonants stuck on ("closefd", "lstrip").

The thresholds were set on the typo list in ``tests/test_spelling.py`` and
on the unknown words of the evaluation corpus of ``bench/quality.py``.
"""

from __future__ import annotations

import enum
import functools
import re

from ._lexicon import Lexicon, lexicon

MARGIN = 20.0
SELF_RATIO = 20.0
MIN_FREQUENCY = 10 ** (3.0 - 9)
MIN_LENGTH = 3
MAX_LENGTH = 30
# Words shorter than this are mostly abbreviations and identifiers ("tac",
# "getc", "perf"): only a swap or a doubled letter, to a very common word.
SHORT = 5
SHORT_MIN_FREQUENCY = 10 ** (5.5 - 9)
VOWEL_MIN_LENGTH = 7
KEY_MIN_LENGTH = 6
# "lstrip", "closefd": a common word with letters stuck on ("freind" is not "frein" + "d").
STUCK_ON_MIN_FREQUENCY = 10 ** (3.5 - 9)


class Slip(enum.Enum):
    """A kind of typing slip, with how likely a writer is to make it."""

    SWAP = 1.0  # two neighbouring letters swapped
    DOUBLE = 0.999  # a letter doubled or undoubled
    VOWEL = 0.998  # a vowel for a vowel
    KEY = 0.5  # a letter left out, or a neighbouring key hit
    END = 0.499  # as likely as KEY, but at the end of the word: competes, never chosen


_VOWELS = frozenset("aeiou")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY = {ch: (row, col) for row, keys in enumerate(_ROWS) for col, ch in enumerate(keys)}
_SUFFIXES = ("s", "es", "d", "ed", "r", "er", "ers", "ing", "ly", "al", "ness", "able", "ment")
_PREFIXES = ("un", "re", "pre", "non", "sub", "over", "under", "co", "de", "dis", "mis", "multi")
_CONSONANTS = re.compile(r"[^aeiouy]{0,2}")


def _touching(a: str, b: str) -> bool:
    (r1, c1), (r2, c2) = _KEY[a], _KEY[b]
    return abs(r1 - r2) <= 1 and abs(c1 - c2) <= 1 and a != b


_NEIGHBOURS = {a: frozenset(b for b in _ALPHABET if _touching(a, b)) for a in _ALPHABET}
_SAME_KIND = {a: (_VOWELS - {a}) if a in _VOWELS else frozenset() for a in _ALPHABET}


def adjacent_keys(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` touch on a QWERTY keyboard."""
    return b in _NEIGHBOURS[a]


def slips(word: str, known: frozenset[str]) -> dict[str, Slip]:
    """Known words one plausible slip from ``word`` (lower-case ASCII), with the slip."""
    found: dict[str, Slip] = {}

    def add(candidate: str, slip: Slip) -> None:
        if candidate in known:
            held = found.get(candidate)
            if held is None or held.value < slip.value:
                found[candidate] = slip

    n = len(word)
    last = n - 1
    for i in range(n - 1):
        if word[i] != word[i + 1]:
            add(word[:i] + word[i + 1] + word[i] + word[i + 2 :], Slip.SWAP)
    for i in range(1, n):
        ch = word[i]
        head, tail = word[:i], word[i + 1 :]
        before = word[i - 1]
        after = word[i + 1] if i < last else ""
        # an extra letter: doubled, or a neighbouring key hit with the right one
        if (ch == before and i > 1) or ch == after:
            add(head + tail, Slip.DOUBLE)
        elif before in _NEIGHBOURS[ch] or (after and after in _NEIGHBOURS[ch]):
            add(head + tail, Slip.KEY if i < last else Slip.END)
        for other in _SAME_KIND[ch]:
            add(head + other + tail, Slip.VOWEL if i < last else Slip.END)
        for other in _NEIGHBOURS[ch]:
            add(head + other + tail, Slip.KEY if i < last else Slip.END)
    for i in range(1, n + 1):  # a letter left out
        head, tail = word[:i], word[i:]
        for other in _ALPHABET:
            doubled = other == word[i - 1] or (i < n and other == word[i])
            add(head + other + tail, Slip.DOUBLE if doubled else Slip.KEY if i < n else Slip.END)
    return found


def swap_or_double(word: str, fix: str) -> bool:
    """Whether ``fix`` is ``word`` with two letters swapped or one letter doubled."""
    if len(fix) == len(word):
        return sorted(fix) == sorted(word)
    return len(fix) == len(word) + 1 and any(
        fix[: i + 1] + fix[i + 2 :] == word for i in range(len(fix) - 1) if fix[i] == fix[i + 1]
    )


def _stems(word: str, lex: Lexicon) -> list[tuple[str, str]]:
    """Ways to read ``word`` as a known word plus a suffix: (stem, suffix)."""
    found = []
    for suffix in _SUFFIXES:
        stem = word[: -len(suffix)]
        if not word.endswith(suffix) or len(stem) < 3:
            continue
        if stem in lex.known or (suffix[0] in "eai" and stem + "e" in lex.known):
            found.append((stem, suffix))
    return found


def _has_prefix(word: str, lex: Lexicon) -> bool:
    return any(
        word.startswith(p) and len(word) - len(p) >= 5 and word[len(p) :] in lex.known
        for p in _PREFIXES
    )


def _compound(word: str, lex: Lexicon, shortest: int) -> bool:
    """Whether ``word`` is two known words written together ("hardwire", "refcount")."""
    return any(
        word[:i] in lex.known and word[i:] in lex.known
        for i in range(shortest, len(word) - shortest + 1)
    )


def _stuck_on(word: str, lex: Lexicon) -> bool:
    """Whether ``word`` is a known word with one or two consonants before or after it.

    A letter doubling the word's own first or last letter is a slip, not stuck on ("untill").
    """
    n = len(word)
    for size in (1, 2):
        if n - size < 4:
            break
        head, core = word[:size], word[size:]
        if _common(core, lex) and _CONSONANTS.fullmatch(head) and head[-1] != core[0]:
            return True
        core, tail = word[:-size], word[-size:]
        if _common(core, lex) and _CONSONANTS.fullmatch(tail) and tail[0] != core[-1]:
            return True
    return False


def _common(word: str, lex: Lexicon) -> bool:
    return lex.frequency(word) >= STUCK_ON_MIN_FREQUENCY


def _allowed(word: str, fix: str, slip: Slip, lex: Lexicon) -> bool:
    """Whether a slip of this kind is believable in ``word``, rather than a different word."""
    if slip is Slip.END:
        return False
    if len(word) < SHORT:
        return lex.frequency(fix) >= SHORT_MIN_FREQUENCY and swap_or_double(word, fix)
    if slip is Slip.VOWEL and len(word) < VOWEL_MIN_LENGTH:
        return False
    web_word = lex.frequency(word) > 0
    if slip is Slip.KEY and (len(word) < KEY_MIN_LENGTH or web_word or _compound(word, lex, 3)):
        return False
    stems = _stems(word, lex)
    return not stems or any(fix == stem + stem[-1] + suffix for stem, suffix in stems)


@functools.lru_cache(maxsize=1 << 16)
def correction(word: str) -> str | None:
    """The word ``word`` (lower-case ASCII, not known) was clearly meant to be, or ``None``."""
    if not MIN_LENGTH <= len(word) <= MAX_LENGTH:
        return None
    lex = lexicon()
    if _has_prefix(word, lex) or _compound(word, lex, 4) or _stuck_on(word, lex):
        return None  # a derived or compound word, or an identifier: decided before the search
    candidates = slips(word, lex.known)
    if not candidates:
        return None
    ranked = sorted(((lex.frequency(c) * s.value, c) for c, s in candidates.items()), reverse=True)
    score, fix = ranked[0]
    if len(ranked) > 1 and score < MARGIN * ranked[1][0]:
        return None
    frequency = lex.frequency(fix)
    if frequency < MIN_FREQUENCY or frequency < SELF_RATIO * lex.frequency(word):
        return None
    return fix if _allowed(word, fix, candidates[fix], lex) else None
