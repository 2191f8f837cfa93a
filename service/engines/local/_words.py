"""The words around a match, and the small closed word classes the context checks need.

A swap or a removal is safe only in some neighbourhoods: a verb form after
an article is a noun or an adjective ("an inquiring look"), "approximately"
means "about" only before a number, a past participle follows an auxiliary.
The classes here are closed lists (articles, determiners, auxiliaries), so a
look at one neighbouring word answers most questions without a tagger.
"""

from __future__ import annotations

import re

# Words after which the next word is a noun, an adjective or a gerund, never a finite verb.
DETERMINERS = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its",
        "our", "their", "whose", "every", "each", "no", "any", "some", "such", "own", "one's",
        "another", "other", "many", "several", "few", "all", "both", "first", "last", "best",
        "utmost", "reasonable", "further", "most", "more",
    }
)  # fmt: skip
BE = frozenset({"be", "is", "are", "was", "were", "been", "being", "am", "'s", "\u2019s"})
HAVE = frozenset({"have", "has", "had", "having", "'ve", "\u2019ve", "'d", "\u2019d"})
MODALS = frozenset(
    {"must", "shall", "should", "will", "would", "can", "could", "may", "might", "to", "do",
     "does", "did", "not", "never"}
)  # fmt: skip
AUXILIARIES = BE | HAVE | MODALS
SUBJECT_PRONOUNS = frozenset({"i", "you", "he", "she", "it", "we", "they", "who"})
NUMBER_WORDS = frozenset(
    {
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty",
        "seventy", "eighty", "ninety", "hundred", "a", "an", "half", "dozen",
    }
)  # fmt: skip
# Words that start a verb's object or complement: after one, an -ing form is a verb
# ("inquiring whether", "utilizing the"), not an adjective ("an inquiring look").
FUNCTION_WORDS = DETERMINERS | frozenset(
    {
        "about", "after", "against", "along", "around", "as", "at", "before", "between", "by",
        "for", "from", "how", "if", "in", "into", "it", "me", "him", "them", "us", "you",
        "of", "on", "over", "that", "through", "to", "up", "what", "whether", "which", "who",
        "why", "where", "when", "with", "without", "out", "himself", "herself", "themselves",
        "itself", "myself", "yourself", "ourselves",
    }
)  # fmt: skip
# Common adverbs that may sit between an auxiliary and its verb ("has already shown").
_ADVERBS = frozenset({"already", "also", "just", "not", "never", "always", "often", "since"})

# A single line break inside a paragraph is a space; a blank line ends the context.
_PREVIOUS = re.compile(r"([A-Za-z\u2019']+)[ \t]*\n?[ \t]*$")
_NEXT = re.compile(r"[ \t]*\n?[ \t]*([A-Za-z\u2019']+|\S)")


def previous_word(text: str, start: int, skip_adverbs: bool = False) -> str:
    """The lower-case word just before ``start`` in the same paragraph ('' if none)."""
    window = text[max(0, start - 40) : start]
    m = _PREVIOUS.search(window)
    if m is None:
        return ""
    word = m.group(1).lower()
    if skip_adverbs and word in _ADVERBS:
        return previous_word(text, start - (len(window) - m.start(1)), skip_adverbs)
    return word


def next_word(text: str, end: int) -> str:
    """The lower-case word (or punctuation mark) just after ``end`` ('' at a paragraph end)."""
    m = _NEXT.match(text, end)
    if m is None:
        return ""
    return m.group(1).lower()


def is_number(word: str) -> bool:
    return word[:1].isdigit() or word in NUMBER_WORDS or word in "£$€"
