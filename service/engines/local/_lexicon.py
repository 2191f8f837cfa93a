"""The English words ``spelling`` knows, and how common each one is.

Two word lists from PyPI packages, installed from the lock file; nothing is
fetched at run time. They are read on the first ``spelling`` pass (about
2 s), not at import, so that the other strategies and the CLI start fast.

- *Known words*: the 128,000 words of plain letters in pyspellchecker's
  English list (curated, American spellings), the words wordfreq finds at
  least three times in a million (about 20,000, British and American
  spellings and the web's own words such as "blog"; 1,000 of them new), and
  any British form whose American form is known by a regular pattern
  ("serialise", "dialled", "paediatric").
- *Frequencies*: wordfreq's, one scale for every spelling, so "colour" and
  "color" (or "which" and "witch") can be compared.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

# Words more common than this (per word of running text) count as known even
# when the curated list lacks them: zipf 3.3. The commonest typos sit below
# it ("teh" 3.0, "untill" 3.0, "definately" 2.9).
COMMON = 10 ** (3.3 - 9)

# British pattern -> American replacement, tried one at a time and in pairs.
# Anchored to the endings where the difference lives, so that a typo such as
# "untill" is not taken for a British "until".
_BRITISH = tuple(
    (re.compile(british), american)
    for british, american in (
        ("our", "or"),  # colour, favourite
        (r"is(?=(?:e|ed|es|ing|ation|ations|ational|er|ers|able)$)", "iz"),  # organise
        (r"ys(?=(?:e|ed|es|ing)$)", "yz"),  # analyse, paralysed
        (r"tre(?=s?$)", "ter"),  # centre, metres
        (r"ence(?=s?$)", "ense"),  # defence, licences
        (r"ll(?=(?:ed|ing|er|ers|or|ors)$)", "l"),  # travelled, modelling, dialled
        (r"l(?=(?:ment|ments|ful|fully)$)", "ll"),  # enrolment, skilful
        (r"(?<=\w{4})l$", "ll"),  # fulfil, distil (not "wil")
        (r"ogue(?=s?$)", "og"),  # catalogue, dialogue
        ("ae", "e"),  # paediatric, anaemia
        ("oe", "e"),  # manoeuvre, oestrogen
        (r"vre(?=s?$)", "ver"),  # manoeuvres
        (r"mme(?=s?$)", "m"),  # programme
        (r"que(?=s?$)", "ck"),  # cheque
        (r"eing$", "ing"),  # ageing
        (r"gement(?=s?$)", "gment"),  # judgement
    )
)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Known English words (lower case) and their frequencies in running text."""

    known: frozenset[str]
    frequencies: Mapping[str, float]

    def frequency(self, word: str) -> float:
        return self.frequencies.get(word, 0.0)

    def knows(self, word: str) -> bool:
        """Whether ``word`` is English as listed, or the British form of a listed word."""
        return word in self.known or any(v in self.known for v in american_forms(word))


def american_forms(word: str, depth: int = 2) -> Iterator[str]:
    """The words ``word`` would be in American spelling, by the patterns above."""
    for british, american in _BRITISH:
        for m in british.finditer(word):
            form = word[: m.start()] + american + word[m.end() :]
            yield form
            if depth > 1:
                yield from american_forms(form, depth - 1)


_lock = threading.Lock()
_loaded: Lexicon | None = None


def lexicon() -> Lexicon:
    """The lexicon, read once per process (thread-safe)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load()
    return _loaded


def _load() -> Lexicon:
    import wordfreq
    from spellchecker import SpellChecker

    frequencies = wordfreq.get_frequency_dict("en", wordlist="large")
    curated = SpellChecker(language="en", distance=1).word_frequency.dictionary
    ascii_word = re.compile(r"[a-z]+")
    known = {w for w in curated if ascii_word.fullmatch(w)}
    known.update(w for w, f in frequencies.items() if f >= COMMON and ascii_word.fullmatch(w))
    return Lexicon(frozenset(known), frequencies)
