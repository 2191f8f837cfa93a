"""Which word a misspelt one was meant to be, when one is clearly the likeliest.

A small noisy-channel choice. The candidates are the known words one
*plausible* slip away: two letters swapped ("teh"), a letter doubled or
undoubled ("untill", "accomodate"), a vowel for a vowel ("definately"), a
letter left out ("wich") or a neighbouring key hit; never a change of the
first letter, which is where identifiers and names differ from words
("xoptions", "gunicorn"). Each is scored by its frequency times how likely
its slip is, and one is chosen only when

- it scores ``MARGIN`` times more than the runner-up ("wierd" could be
  "weird" or "wired": left),
- it is common itself (zipf 3 or more), and ``SELF_RATIO`` times more common
  than the unknown word, which the web may know well ("dialled" is a tenth
  as common as "dialed": left),
- and the unknown word is not a known word with a prefix or suffix added
  ("matchings", "rewriter", "prebuild") unless the correction keeps that
  affix and only doubles the stem's last letter ("occured" -> "occurred").

The thresholds were set on the typo list in ``tests/test_spelling.py`` and
on the unknown words of the evaluation corpus of ``bench/quality.py``.
"""

from __future__ import annotations

from ._lexicon import Lexicon

MARGIN = 20.0
SELF_RATIO = 20.0
MIN_FREQUENCY = 10 ** (3.0 - 9)
MIN_LENGTH = 3
MAX_LENGTH = 30
# Words shorter than this are mostly abbreviations and identifiers ("tac",
# "getc", "perf"): only a swap or a doubled letter, to a very common word.
SHORT = 5
SHORT_MIN_FREQUENCY = 10 ** (5.5 - 9)

# Slip weights: how likely a writer is to make each kind of slip.
SURE = 1.0
LIKELY = 0.5
AT_END = 0.499  # as likely, but never chosen

_VOWELS = frozenset("aeiou")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY = {ch: (row, col) for row, keys in enumerate(_ROWS) for col, ch in enumerate(keys)}
_SUFFIXES = ("s", "es", "d", "ed", "r", "er", "ers", "ing", "ly", "al", "ness", "able", "ment")
_PREFIXES = ("un", "re", "pre", "non", "sub", "over", "under", "co", "de", "dis", "mis", "multi")


def adjacent_keys(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` touch on a QWERTY keyboard."""
    (r1, c1), (r2, c2) = _KEY[a], _KEY[b]
    return abs(r1 - r2) <= 1 and abs(c1 - c2) <= 1 and (r1, c1) != (r2, c2)


def slips(word: str, known: frozenset[str]) -> dict[str, float]:
    """Known words one plausible slip from ``word`` (lower-case ASCII), with its weight."""
    found: dict[str, float] = {}

    def add(candidate: str, weight: float) -> None:
        if candidate in known and found.get(candidate, 0.0) < weight:
            found[candidate] = weight

    n = len(word)
    # A likely slip at the end competes but is never chosen ("readv", "paren").
    last = n - 1
    for i in range(n - 1):  # two letters swapped
        if word[i] != word[i + 1]:
            add(word[:i] + word[i + 1] + word[i] + word[i + 2 :], SURE)
    for i in range(1, n):
        ch = word[i]
        before = word[i - 1]
        after = word[i + 1] if i + 1 < n else ""
        # an extra letter: doubled, or a neighbouring key hit with the right one
        if i == 1 and ch == before:
            pass  # "fflags", "bbox": an identifier's prefix, not a slip
        elif ch in (before, after):
            add(word[:i] + word[i + 1 :], SURE)
        elif adjacent_keys(ch, before) or (after and adjacent_keys(ch, after)):
            add(word[:i] + word[i + 1 :], LIKELY if i < last else AT_END)
        # a wrong letter: a vowel for a vowel, or a neighbouring key
        for other in _ALPHABET:
            if other == ch:
                continue
            if ch in _VOWELS and other in _VOWELS:
                add(word[:i] + other + word[i + 1 :], SURE)
            elif adjacent_keys(ch, other):
                add(word[:i] + other + word[i + 1 :], LIKELY if i < last else AT_END)
    for i in range(1, n + 1):  # a letter left out
        for other in _ALPHABET:
            doubled = other == word[i - 1] or (i < n and other == word[i])
            add(word[:i] + other + word[i:], SURE if doubled else LIKELY if i < n else AT_END)
    return found


def _swap_or_double(word: str, fix: str) -> bool:
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


def _is_compound(word: str, lex: Lexicon) -> bool:
    """Whether ``word`` is two known words written together ("hardwire", "setraw")."""
    return any(word[:i] in lex.known and word[i:] in lex.known for i in range(4, len(word) - 3))


def _changes_derivation(word: str, fix: str, lex: Lexicon) -> bool:
    """Whether ``word`` reads as a derived or compound word that ``fix`` would not keep."""
    if _has_prefix(word, lex) or _is_compound(word, lex):
        return True
    stems = _stems(word, lex)
    return bool(stems) and not any(fix == stem + stem[-1] + suffix for stem, suffix in stems)


def correction(word: str, lex: Lexicon) -> str | None:
    """The word ``word`` (lower-case ASCII, not known) was clearly meant to be, or ``None``."""
    if not MIN_LENGTH <= len(word) <= MAX_LENGTH:
        return None
    candidates = slips(word, lex.known)
    if not candidates:
        return None
    ranked = sorted(((lex.frequency(c) * w, c) for c, w in candidates.items()), reverse=True)
    score, fix = ranked[0]
    if candidates[fix] == AT_END:
        return None
    if len(ranked) > 1 and score < MARGIN * ranked[1][0]:
        return None
    frequency = lex.frequency(fix)
    if len(word) < SHORT and (frequency < SHORT_MIN_FREQUENCY or not _swap_or_double(word, fix)):
        return None
    if frequency < MIN_FREQUENCY or frequency < SELF_RATIO * lex.frequency(word):
        return None
    if _changes_derivation(word, fix, lex):
        return None
    return fix
