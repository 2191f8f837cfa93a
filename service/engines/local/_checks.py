"""Context checks for a listed swap: is this match the word the table means, used as it means?

A word list knows words, not sentences. Before a phrase is replaced, the
words around it are checked against the entry's conditions (from its table
row) and against what every entry of its part of speech needs:

- a term of art is never rewritten ("beneficial owner", "retain counsel");
- a verb form after an article, determiner or possessive is a noun or an
  adjective there ("his endeavours to", "the retaining wall"): left alone;
- a form that is both past tense and participle gets the participle's
  replacement after an auxiliary ("has demonstrated" -> "has shown"), the
  past tense's after a subject pronoun ("it demonstrated" -> "it showed"),
  and is left alone where nothing settles which it is;
- the ``conditions`` of the row: ``not-after-det``, ``not-before=...``,
  ``before=...``, ``after=...``, ``not-after=...``, ``attributive`` (a word
  follows that it can qualify), ``before-number``, ``not-after-be``,
  ``after-aux``, ``before-punct``, ``clause-start``, ``before-word``,
  ``not-after-comma`` and ``not-in-contract``; and, added to a verb form that could be read as a
  noun, ``verb-slot`` (an auxiliary or a subject before it). ``ing-as-verb``
  keeps an -ing form that is also an adjective to its verb use: before its
  object or complement ("inquiring whether", not "enquiring companions").
"""

from __future__ import annotations

from ._context import Context
from ._data import Entry
from ._genre import reads_as_contract
from ._terms import in_term
from ._text import is_sentence_start
from ._words import (
    AUXILIARIES,
    BE,
    DETERMINERS,
    FUNCTION_WORDS,
    HAVE,
    SUBJECT_PRONOUNS,
    is_number,
    next_word,
    previous_word,
)


class Contract:
    """Whether the text reads as a contract, worked out at most once per pass."""

    __slots__ = ("_answer", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._answer: bool | None = None

    def __bool__(self) -> bool:
        if self._answer is None:
            self._answer = reads_as_contract(self._text)
        return self._answer


_PUNCT = frozenset(",.;:!?)")


def _clause_start(text: str, start: int) -> bool:
    if is_sentence_start(text, start):
        return True
    before = text[max(0, start - 6) : start].rstrip(" \t")
    return before.endswith((",", ";", ":", "(")) or previous_word(text, start) in ("and", "but")


def replacement_in_context(
    ctx: Context, entry: Entry, start: int, end: int, contract: Contract
) -> str | None:
    """What replaces ``ctx.text[start:end]`` here, or None when the swap would be wrong."""
    text = ctx.text
    conditions = entry.conditions
    before = previous_word(text, start)
    following = next_word(text, end)
    if entry.avoid_before and following in entry.avoid_before:
        return None
    if before in entry.avoid_after or (entry.only_after and before not in entry.only_after):
        return None
    if "attributive" in conditions and (following in FUNCTION_WORDS or not following.isalpha()):
        return None
    punct_ok = "punct" in entry.only_before and following[:1] in _PUNCT
    if entry.only_before and following not in entry.only_before and not punct_ok:
        return None
    if ("not-after-det" in conditions or entry.pos == "VERB") and before in DETERMINERS:
        return None
    if "verb-slot" in conditions and before not in AUXILIARIES and before not in SUBJECT_PRONOUNS:
        return None
    is_ing = entry.phrase.partition(" ")[0].endswith("ing")
    if "ing-as-verb" in conditions and is_ing and following not in FUNCTION_WORDS:
        return None
    if "before-word" in conditions and not following[:1].isalpha():
        return None
    if (
        "not-after-comma" in conditions
        and text[max(0, start - 3) : start].rstrip(" \t")[-1:] == ","
    ):
        return None
    if "before-number" in conditions and not is_number(following):
        return None
    if "not-after-be" in conditions and before in BE:
        return None
    if "after-aux" in conditions and before not in AUXILIARIES:
        return None
    if "before-punct" in conditions and following not in (",", ".", ";", ":", "!", "?", ""):
        return None
    if "clause-start" in conditions and not _clause_start(text, start):
        return None
    replacement = entry.replacement
    if entry.participle is not None:
        auxiliary = previous_word(text, start, skip_adverbs=True)
        if auxiliary in HAVE or auxiliary in BE:
            replacement = entry.participle
        elif before not in SUBJECT_PRONOUNS:
            return None  # past tense or participle: nothing here says which
    if in_term(text, ctx.lowered, start, end):
        return None
    if "not-in-contract" in conditions and contract:
        return None
    return replacement
