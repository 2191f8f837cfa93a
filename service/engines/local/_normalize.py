"""Normalize rules that fix spacing, repeated words and repeated punctuation.

Each rule yields candidate edits against the pass's input; the engine drops
the ones that overlap protected ranges or an earlier rule's edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from service.engines.edits import Edit

from ._context import Context
from ._data import load_words
from ._text import ABBREVIATIONS, word_starts_at

_DOUBLED = re.compile(
    "("
    + "|".join(sorted(load_words("doubled_words.txt"), key=len, reverse=True))
    + r")((?:[ \t]+\1)+)(?![\w'\u2019-])"
)


def doubled_word(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    for m in _DOUBLED.finditer(ctx.lowered):
        first, repeats = m.group(1), text[m.start(2) : m.end(2)]
        if not word_starts_at(text, m.start()):
            continue
        if any(w != w.lower() for w in repeats.split()):
            continue  # "A A", "The The": a name or a label, not a slip
        start, end = m.start(2), m.end(2)
        if ctx.free(m.start(), end):
            yield ctx.edit(
                "normalize.doubled_word", start, end, "", f"'{first.lower()}' is repeated"
            )


_REPEATED_PUNCT = re.compile(r"[!?,;]{2,}(?=[ \t\n\"'\u201d\u2019)]|$)")


def repeated_punct(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    for m in _REPEATED_PUNCT.finditer(text):
        mark = m.group(0)[0]
        if m.group(0) != mark * len(m.group(0)):
            continue  # "?!" and friends are deliberate
        before = text[m.start() - 1] if m.start() else " "
        if not (before.isalpha() or before in ")]"):
            continue
        if ctx.free(m.start(), m.end()):
            yield ctx.edit(
                "normalize.repeated_punct", m.start(), m.end(), mark, f"one '{mark}' is enough"
            )


_EXTRA_SPACE = re.compile(r"  +")
_SENTENCE_GAP = re.compile(r"[.!?]( {1,2})(?=[A-Z])")
_GAPS = re.compile(r"\S( {2,}|\t)")


def _double_spaced(text: str) -> bool:
    """Whether the document puts two spaces between sentences (a valid convention)."""
    one = two = 0
    for m in _SENTENCE_GAP.finditer(text):
        if not (m.start() and text[m.start() - 1].islower()):
            continue
        if len(m.group(1)) == 2:
            two += 1
        else:
            one += 1
    return two > 0 and two >= one


def extra_space(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    keep_gaps = _double_spaced(text)
    for m in _EXTRA_SPACE.finditer(text):
        start, end = m.span()
        if start == 0 or end - start > 3 or end == len(text):
            continue
        before, after = text[start - 1], text[end]
        if before in ".!?":
            if keep_gaps or end - start > 2 or not after.isupper():
                continue
            if not (start > 1 and text[start - 2].islower()):
                continue
        elif not ((before.islower() or before in ",;") and after.islower()):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line = text[line_start : len(text) if line_end == -1 else line_end]
        if "|" in line or len(_GAPS.findall(line)) > 1:
            continue  # a table or aligned columns
        if ctx.free(start, end):
            yield ctx.edit("normalize.extra_space", start, end, " ", "one space between words")


_LINE_END = re.compile(r"[ \t](?=\n|\Z)")
_TRAILING = re.compile(r"[ \t]+\Z")


def trailing_space(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    for last in _LINE_END.finditer(text):
        m = _TRAILING.search(text, max(0, last.end() - 200), last.end())
        if m is None:
            continue
        start, end = m.span()
        line_start = text.rfind("\n", 0, start) + 1
        if start > line_start and end - start >= 2 and m.group(0).startswith("  "):
            next_end = text.find("\n", end + 1)
            following = text[end + 1 : len(text) if next_end == -1 else next_end]
            if end < len(text) and following.strip():
                continue  # two trailing spaces before more text: a Markdown line break
        if ctx.free(start, end):
            yield ctx.edit(
                "normalize.trailing_space", start, end, "", "spaces at the end of a line"
            )


# "," and ";" before more of the sentence; "?" only where a sentence ends. "!" is left
# alone: "and ! operators" names an operator.
_SPACE_BEFORE = re.compile(r" (?=[,;][ \t][a-z]|\?(?:[ \t]+[A-Z\"\u201c]|[ \t]*(?:\n|$)))")


def space_before_punct(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    for m in _SPACE_BEFORE.finditer(text):
        start, end = m.span()
        if start < 2 or not (text[start - 1].isalpha() and text[start - 2].isalpha()):
            continue
        mark = text[end]
        if ctx.free(start, end + 1):
            yield ctx.edit(
                "normalize.space_before_punct", start, end, "", f"no space before '{mark}'"
            )


# Only the commonest sentence openers, so "java.lang.String" or "ASP.NET" never match.
_STARTERS = (
    "A|After|All|Also|An|And|As|At|Because|Before|But|By|For|From|He|Her|His|How|However|"
    "I|If|In|It|Its|Many|Most|My|No|Now|Of|On|Once|One|Our|She|So|Some|That|The|Their|"
    "Then|There|These|They|This|Those|To|We|What|When|Where|Which|While|Why|With|You|Your"
)
_MISSING_SPACE = re.compile(r"([.!?])(?=(?:" + _STARTERS + r")[ \t,])")
_WORD_BEFORE = re.compile(r"(?<![\w.@/\\'\u2019-])[a-z]{2,}$")


def missing_space(ctx: Context) -> Iterator[Edit]:
    for m in _MISSING_SPACE.finditer(ctx.text):
        word = _WORD_BEFORE.search(ctx.text, max(0, m.start() - 30), m.start())
        if word is None or word.group(0) in ABBREVIATIONS:
            continue
        at = m.end()
        if ctx.free(m.start(), at + 1):
            yield ctx.edit(
                "normalize.missing_space",
                at,
                at,
                " ",
                f"a space after '{m.group(1)}' between sentences",
            )
