"""Readability metrics (Flesch reading ease, Flesch-Kincaid grade), offline.

Syllables come from pyphen's bundled en_US hyphenation patterns, so nothing
is fetched at run time. Hyphenation points undercount syllables: TeX
patterns never split off a single letter at either end (``area``, ``idea``)
nor split short words at all (``poem``). So each word takes the larger of
the pyphen count and a vowel-group estimate.

Code is not prose: fenced blocks (``` or ~~~) and inline code spans are
left out. A sentence ends at a run of ``.``, ``!`` or ``?`` followed by
a space or the end, at a blank line, after a Markdown heading, and before
a list item. Abbreviations such as "e.g." end a sentence too: counting
them would take a dictionary, and the scores only need to be comparable
between versions of one text. The formulas are not clamped: very easy
text scores above 100 and its grade can be negative.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from pyphen import Pyphen

from service.documents._tokens import WORD

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# Inline code stays on one line here, so an unmatched backtick costs one line.
_INLINE_CODE = re.compile(r"(`+)(?!`)[^\n]*?(?<!`)\1(?!`)")
_HEADING = re.compile(r" {0,3}#{1,6}(?:\s|$)")
_LIST_ITEM = re.compile(r" *(?:[-*+]|\d{1,9}[.)])\s")
_SENTENCE_END = re.compile(r"[.!?]+['\")\]\u2019\u201d]*(?=\s|$)")
_VOWEL_GROUP = re.compile(r"[aeiouyàáâäæèéêëìíîïòóôöœùúûü]+")
# A usually silent ending: "make", "makes", "named", "played"; but not
# "table", "tables", "boxes", "places", "wanted".
_SILENT_E = re.compile(
    r"(?<![^aeiouy]l)(?:(?<=[^aeiouy])e|(?<=[^aeiouycghsxz])es)$|(?<=[^aeioutd])ed$"
)


@dataclass(frozen=True, slots=True)
class TextMetrics:
    words: int
    sentences: int
    avg_sentence_words: float
    flesch_reading_ease: float
    grade_level: float

    def to_dict(self) -> dict[str, float | int]:
        return {
            "words": self.words,
            "sentences": self.sentences,
            "avg_sentence_words": self.avg_sentence_words,
            "flesch_reading_ease": self.flesch_reading_ease,
            "grade_level": self.grade_level,
        }


def text_metrics(text: str) -> TextMetrics:
    """Count words, sentences and syllables of the prose in ``text``."""
    words = sentences = syllables = 0
    for block in _blocks(_strip_code(text)):
        for sentence in _SENTENCE_END.split(block):
            found = WORD.findall(sentence)
            if found:
                sentences += 1
                words += len(found)
                syllables += sum(map(_syllables, map(str.lower, found)))
    if not words:
        return TextMetrics(0, 0, 0.0, 0.0, 0.0)
    per_sentence = words / sentences
    per_word = syllables / words
    return TextMetrics(
        words=words,
        sentences=sentences,
        avg_sentence_words=round(per_sentence, 2),
        flesch_reading_ease=round(206.835 - 1.015 * per_sentence - 84.6 * per_word, 2),
        grade_level=round(0.39 * per_sentence + 11.8 * per_word - 15.59, 2),
    )


def syllable_count(word: str) -> int:
    """Syllables in one word (at least 1), case-insensitive."""
    return _syllables(word.lower())


@lru_cache(maxsize=65536)
def _syllables(word: str) -> int:
    total = 0
    for part in word.replace("'", "").replace("\u2019", "").split("-"):
        if part:
            hyphenated = len(_hyphenator().positions(part)) + 1
            total += max(hyphenated, _vowel_groups(part))
    return max(total, 1)


def _vowel_groups(word: str) -> int:
    """Groups of vowels, less a silent final "e"; digits and CJK count as 1."""
    groups = len(_VOWEL_GROUP.findall(word))
    if groups > 1 and _SILENT_E.search(word):
        groups -= 1
    return max(groups, 1)


@cache
def _hyphenator() -> Pyphen:
    return Pyphen(lang="en_US")


def _strip_code(text: str) -> str:
    """Drop fenced blocks (leaving a blank line) and inline code spans."""
    kept: list[str] = []
    fence = ""
    for line in text.splitlines():
        marker = _FENCE.match(line)
        rest = line[marker.end() :] if marker else ""
        if fence:
            if marker and _closes(marker.group(1), rest, fence):
                fence = ""
        elif marker and not (marker.group(1)[0] == "`" and "`" in rest):
            fence = marker.group(1)
            kept.append("")
        else:
            kept.append(_INLINE_CODE.sub(" ", line))
    return "\n".join(kept)


def _closes(marker: str, rest: str, fence: str) -> bool:
    """A closing fence repeats the opening character at least as often, alone."""
    return marker[0] == fence[0] and len(marker) >= len(fence) and not rest.strip()


def _blocks(text: str) -> Iterator[str]:
    """Stretches of text that always end a sentence where they end.

    Heading and list markers are dropped: "1." is not a word nor a sentence.
    """
    block: list[str] = []
    for line in text.splitlines():
        heading = _HEADING.match(line)
        item = _LIST_ITEM.match(line)
        if heading or item or not line.strip():
            yield "\n".join(block)
            block = []
        if heading:
            yield line[heading.end() :]
        elif item:
            block.append(line[item.end() :])
        elif line.strip():
            block.append(line)
    yield "\n".join(block)
