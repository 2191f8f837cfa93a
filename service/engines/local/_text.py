"""Text helpers the rules share: case keeping, sentence starts, articles, phrase regexes."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters that may stand between a sentence start and its first word.
_OPENERS = frozenset("\"'\u201c\u2018([*_")
_CLOSERS = "\"')]\u201d\u2019*_"
_LINE_PREFIX = re.compile(r"[ \t]*(?:(?:[-*+>]|#{1,6}|\d{1,3}[.)])[ \t]+)*")
# Words that end in a full stop without ending a sentence.
ABBREVIATIONS = frozenset(
    {
        "al", "approx", "ca", "cf", "co", "dept", "dr", "e.g", "eg", "esp", "etc", "fig",
        "i.e", "ie", "inc", "jr", "ltd", "mr", "mrs", "ms", "no", "nos", "op", "p", "pp",
        "prof", "sec", "sr", "st", "vol", "vs", "viz",
    }
)  # fmt: skip


def case_shape(word: str) -> str:
    """Classify a matched phrase: ``lower``, ``capital``, ``upper`` or ``mixed``."""
    letters = [c for c in word if c.isalpha()]
    if all(c.islower() for c in letters):
        return "lower"
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return "upper"
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return "capital"
    return "mixed"


def match_case(source: str, replacement: str) -> str:
    """Give ``replacement`` the case pattern of ``source``."""
    shape = case_shape(source)
    if shape == "upper":
        return replacement.upper()
    if shape == "capital":
        return replacement[:1].upper() + replacement[1:]
    return replacement


def ends_sentence(chunk: str) -> bool:
    """Whether ``chunk`` (text before a space) clearly ends a sentence."""
    chunk = chunk.rstrip(_CLOSERS)
    if not chunk or chunk[-1] not in ".!?":
        return False
    if chunk[-1] != ".":
        return True
    if chunk.endswith(".."):
        return False  # an ellipsis may or may not end the sentence
    body = chunk[:-1]
    start = len(body)
    while start > 0 and (body[start - 1].isalnum() or body[start - 1] in "._"):
        start -= 1  # the word and dots before the full stop, read backwards
    token = body[start:].lower()
    if not token or token in ABBREVIATIONS:
        return False
    return not (len(token) == 1 and token.isalpha())  # an initial: "J. Smith"


def is_sentence_start(text: str, pos: int) -> bool:
    """Whether the word at ``pos`` begins a sentence, a paragraph, a heading or a list item."""
    i = pos
    while i > 0 and text[i - 1] in _OPENERS:
        i -= 1
    # Only the last few hundred characters matter: a line is read no further back.
    window = max(0, i - 300)
    line_start = text.rfind("\n", window, i) + 1 or window
    before = text[line_start:i]
    if _LINE_PREFIX.fullmatch(before):
        if before.strip() or line_start == 0:
            return True
        prev_start = text.rfind("\n", max(0, line_start - 300), line_start - 1) + 1
        previous = text[max(prev_start, line_start - 300) : line_start - 1]
        return not previous.strip() or ends_sentence(previous.rstrip())
    j = i
    while j > line_start and text[j - 1] in " \t":
        j -= 1
    return j < i and ends_sentence(text[line_start:j])


def _article(word: str) -> str:
    w = word.lower()
    if w.startswith(("uni", "use", "usu", "eu", "one", "once")):
        return "a"
    if w.startswith(("hour", "honest", "honour", "honor", "heir")):
        return "an"
    return "an" if w[:1] in "aeiou" else "a"


def article_breaks(text: str, start: int, old: str, new: str) -> bool:
    """Whether replacing ``old`` by ``new`` after 'a'/'an' would need the other article."""
    m = re.search(r"\b(a|an)[ \t]+$", text[max(0, start - 8) : start], re.IGNORECASE)
    if m is None or not new:
        return False
    return _article(old) != _article(new)


_Trie = dict[str, "_Trie"]


def phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any phrase (lower case) as whole words, longest first.

    The phrases are folded into a trie so the regex engine does not retry
    hundreds of alternatives at every position.
    """
    trie: _Trie = {}
    for phrase in phrases:
        node = trie
        for ch in phrase.lower():
            node = node.setdefault(ch, {})
        node[""] = {}
    # No leading look-behind: a pattern that starts with literal characters lets the
    # regex engine skip ahead fast. Callers check the start with ``word_starts_at``.
    return re.compile("(?:" + _trie_pattern(trie) + r")(?![\w@/\\(=-]|[.'\u2019]\w)")


_WORD_JOINERS = frozenset("@/\\$#.'\u2019-_")


def word_starts_at(text: str, pos: int) -> bool:
    """Whether a word (not the inside of a word, path or identifier) starts at ``pos``."""
    if pos == 0:
        return True
    before = text[pos - 1]
    return not (before.isalnum() or before in _WORD_JOINERS)


def folded(text: str) -> str:
    """``text`` in lower case with the same offsets (case-insensitive matching, fast)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" (and a few rare letters) grow when lowered
        lowered = text.replace("\u0130", "i").lower()
        if len(lowered) != len(text):
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


def _trie_pattern(node: _Trie) -> str:
    optional = "" in node
    branches = []
    for ch in sorted(k for k in node if k):
        atom = "[ \\t]+" if ch == " " else re.escape(ch)
        branches.append(atom + _trie_pattern(node[ch]))
    if not branches:
        return ""
    inner = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if optional:
        return "(?:" + inner + ")?"
    return inner


def phrase_key(matched: str) -> str:
    """The lookup key of a matched phrase: lower case, single spaces."""
    return " ".join(matched.lower().split())
