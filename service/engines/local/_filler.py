"""Drop empty fillers, but only in positions where removal keeps grammar and meaning.

Three positions are trusted: a sentence opener followed by a comma
("Basically, it works."), a sentence lead-in ("It goes without saying
that ..."), and an intensifier right after a form of "be" ("it is really
fast"). Anywhere else the word stays. When a removal starts a sentence, the
next word takes the capital.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from service.engines.edits import Edit

from ._context import Context
from ._data import data_lines, load_words
from ._text import is_sentence_start, phrase_key, phrase_regex, word_starts_at

_RULE = "concise.filler"


def _load() -> dict[str, dict[str, str]]:
    where: dict[str, dict[str, str]] = {"opener": {}, "lead": {}, "after_copula": {}}
    for line in data_lines("fillers.tsv"):
        phrase, position, reason = (cell.strip() for cell in line.split("\t"))
        where[position][phrase.lower()] = reason
    return where


_WHERE = _load()


def _alternation(phrases: dict[str, str]) -> str:
    """The phrases as one trie pattern: a literal start lets the regex engine skip ahead."""
    return phrase_regex(phrases).pattern


_NEXT_WORD = r"(?P<next>[a-z]+)(?=[\s,.;:!?'\u2019])"
# Matched against the lower-cased text; the case is checked on the original.
_OPENER = re.compile(r"(?P<filler>" + _alternation(_WHERE["opener"]) + r"),[ \t]+" + _NEXT_WORD)
_LEAD = re.compile(r"(?P<filler>" + _alternation(_WHERE["lead"]) + r")[ \t]+" + _NEXT_WORD)
_AFTER_COPULA = re.compile(
    r"(?P<filler>" + _alternation(_WHERE["after_copula"]) + r")[ \t]+(?=[a-z])"
)
_GRADABLE = load_words("gradable_adjectives.txt")
_NEXT = re.compile(r"[a-z]+(?![\w-])")
_COPULA = re.compile(r"(?P<filler>" + _alternation(_WHERE["after_copula"]) + r")[ \t]+(?=[a-z])")
_NOT_INTENSIFIER = re.compile(
    r"(?:a|an|the|this|that|these|those|one|two|three|just|only|not|no|what|how|about)\b"
)
_COPULA = re.compile(
    r"(?:(?<![\w'\u2019-])(?:is|are|was|were|be|been|being|am)|(?<=[a-z])['\u2019](?:s|re))[ \t]+$"
)


def filler(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    for regex, table in ((_OPENER, _WHERE["opener"]), (_LEAD, _WHERE["lead"])):
        for m in regex.finditer(ctx.lowered):
            start = m.start()
            word = text[start : m.end("filler")]
            next_word = text[m.start("next") : m.end("next")]
            if not word_starts_at(text, start) or not next_word.islower():
                continue
            if word[0].islower() and word != word.lower():
                continue
            if not is_sentence_start(text, start):
                continue
            first = m.start("next")
            if not ctx.free(start, m.end()):
                continue
            after = text[first].upper() if word[0].isupper() else text[first]
            yield ctx.edit(_RULE, start, first + 1, after, table[phrase_key(word)])
    for m in _AFTER_COPULA.finditer(text):
        start, end = m.start("filler"), m.end()
        if not word_starts_at(text, start):
            continue
        if m.group("filler") == "really":
            following = _NEXT.match(text, end)
            if following is None or following.group(0) not in _GRADABLE:
                continue  # "are really a separate program": 'really' means 'in fact' here
        if _COPULA.search(text, max(0, start - 12), start) and ctx.free(start, end):
            yield ctx.edit(_RULE, start, end, "", _WHERE["after_copula"][m.group("filler")])
