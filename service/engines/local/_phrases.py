"""Rules that swap listed phrases: wordy phrases, redundant pairs, complex words.

All phrases of a table are matched by one regex. A match is skipped when a
capital letter suggests a name (a capitalised match that does not start a
sentence), when the article before it would have to change ('an' ->
'a'), when it is protected, or when its context rules the swap out
(``_checks``: part of speech, neighbours, terms of art, contracts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from service.engines.edits import Edit

from ._checks import Contract, replacement_in_context
from ._context import Context
from ._data import Entry, load_table
from ._text import (
    article_breaks,
    case_shape,
    is_sentence_start,
    match_case,
    phrase_key,
    phrase_regex,
    word_starts_at,
)

# A replacement ending in " [of]" takes "of" before a determiner:
# "a large number of files" -> "many files", "... of the files" -> "many of the files".
_OF = " [of]"
_DETERMINER = re.compile(
    r"[ \t]+(?:the|these|those|this|that|my|your|his|her|its|our|their|them|us|you|it|which|"
    r"whom|what)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PhraseRule:
    """Replace any phrase of ``table`` found in the text, where its context allows."""

    rule: str
    table: Mapping[str, Entry]
    regex: re.Pattern[str]

    @classmethod
    def load(
        cls,
        rule: str,
        filename: str,
        loader: Callable[[str], Mapping[str, Entry]] = load_table,
    ) -> PhraseRule:
        table = loader(filename)
        return cls(rule, table, phrase_regex(table))

    def __call__(self, ctx: Context) -> Iterator[Edit]:
        text = ctx.text
        lowered = ctx.lowered
        contract = Contract(text)
        m = self.regex.search(lowered)
        while m is not None:
            start, end = m.span()
            if not word_starts_at(text, start):
                m = self.regex.search(lowered, start + 1)
                continue
            m = self.regex.search(lowered, end)
            matched = text[start:end]
            entry = self.table.get(phrase_key(matched))
            if entry is None:
                continue
            shape = case_shape(matched)
            if shape == "mixed" or (shape == "capital" and not is_sentence_start(text, start)):
                continue
            if not ctx.free(start, end):
                continue
            replacement = replacement_in_context(ctx, entry, start, end, contract)
            if replacement is None:
                continue
            if replacement.endswith(_OF):
                replacement = replacement[: -len(_OF)]
                if _DETERMINER.match(text, end):
                    replacement += " of"
                elif replacement == "most":
                    continue  # "most commonly used" would read as a superlative
            if article_breaks(text, start, matched, replacement):
                continue
            yield ctx.edit(self.rule, start, end, match_case(matched, replacement), entry.reason)
