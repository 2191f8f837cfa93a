"""Capitalise the first word of a sentence that was typed in lower case.

Only in English prose and only for the common words that open sentences
(function words such as "the", "it", "we", and a few more): a lower-case
word outside that list may be a program, a unit or a name written in lower
case on purpose ("zlib", "ls", "km"). Never after an abbreviation, an
initial, a number, a list label or a short fragment ("min. dist. from"),
and at a paragraph's start only when the paragraph before ends a sentence
(a paragraph after a code example often goes on with the same sentence).
After "!" or "?" only a pronoun or an article is capitalised, and not after
a cry such as "alas!": older prose goes on with the sentence there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from service.engines.edits import Edit

from ._context import Context
from ._english import FUNCTION_WORDS, EnglishParagraphs
from ._spans import Spans
from ._text import ABBREVIATIONS

_OPENERS = FUNCTION_WORDS | frozenset(
    {
        "finally", "first", "here", "instead", "later", "let", "maybe", "meanwhile", "next",
        "note", "otherwise", "see", "sometimes", "still", "thank", "thanks", "today", "well",
        "yes",
    }
) - {"us"}  # fmt: skip
# After "!" or "?" a lower-case word often goes on with the same sentence ("and alas! how
# always", "the hem! of", "a dance? had been a question of his"): only a word that opens a
# clause of its own is capitalised there.
_AFTER_EXCLAMATION = frozenset(
    {"a", "an", "he", "i", "it", "she", "the", "these", "they", "this", "we", "you"}
)
# Cries inside a sentence: "but, alas! she was not", "had it--oh! had it".
_INTERJECTIONS = frozenset({"ah", "alas", "eh", "ha", "hem", "lo", "o", "oh", "pshaw"})
_LAST_WORD = re.compile(r"([A-Za-z]+)[\"'\u201d\u2019]*[!?]")
# Words that end in a full stop without ending a sentence, beyond the shared list.
_NO_END = ABBREVIATIONS | frozenset(
    {
        "apr", "assoc", "attn", "aug", "ave", "blvd", "capt", "ch", "chap", "col", "corp",
        "dec", "dist", "div", "ed", "eds", "est", "ext", "feb", "fri", "ft", "gen", "gov",
        "ibid", "incl", "jan", "jul", "jun", "lt", "mar", "max", "messrs", "min", "misc", "mon",
        "mt", "nov", "oct", "para", "ref", "rep", "resp", "rev", "sat", "sen", "sep", "sept",
        "seq", "sgt", "sun", "tel", "thu", "thur", "thurs", "trans", "tue", "tues", "ver",
        "vols", "wed",
    }
)  # fmt: skip
# A lower-case word after the end of a sentence, on the same line or the next.
_AFTER_END = re.compile(r"[.!?](?:[ \t]+|[ \t]*\n[ \t]*)(?=[a-z])")
_PARAGRAPH_START = re.compile(r"\n[ \t]*\n([ \t]{0,3})(?=[a-z])")
_TEXT_START = re.compile(r"[ \t]{0,3}(?=[a-z])")
_WORD = re.compile(r"[a-z]+(?:['\u2019][a-z]+)?")
_ENDS_WORD = frozenset(" \t\n,;:!?.\"')\u201d\u2019")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+>|#]|\d{1,3}[.)]|[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)])[ \t]")
_SENTENCE_BREAK = re.compile(r"[.!?][\"')\u201d\u2019]*\s|\n[ \t]*\n")
_LABEL = re.compile(r"[a-zA-Z]|[ivxlcIVXLC]{1,5}")
_CLOSERS = "\"')\u201d\u2019*_"


def _opener_at(text: str, pos: int) -> str | None:
    """The common sentence-opening word at ``pos``, or None."""
    m = _WORD.match(text, pos)
    if m is None or m.group(0) not in _OPENERS:
        return None
    end = m.end()
    after = text[end] if end < len(text) else " "
    if after not in _ENDS_WORD:
        return None  # "it(", "the_x", "a-b"
    if after in ".:" and end + 1 < len(text) and not text[end + 1].isspace():
        return None  # "it.next", "a:b"
    return m.group(0)


def _ends_sentence(text: str, mark: int) -> bool:
    """Whether the mark at ``mark`` closes a sentence (not "e.g.", "J.", "ii.", "Yahoo!")."""
    line_start = _line_start(text, mark)
    token_start = (
        max(text.rfind(" ", line_start, mark), text.rfind("\t", line_start, mark), line_start - 1)
        + 1
    )
    token = text[token_start:mark].lstrip("(\"'\u201c\u2018*_")
    if not text[line_start:token_start].strip() and _LABEL.fullmatch(token):
        return False  # "ii.", "b.": a list label at the start of its line
    if not token or not all(c.isalpha() or c in "'\u2019-" for c in token):
        return False  # a number, a dotted name, a path, a symbol
    if text[mark] == "!" and token[0].isupper():
        return False  # "Yahoo!", "Jeopardy!"
    if text[mark] == "." and (len(token) == 1 or token.lower() in _NO_END):
        return False
    if text[mark] == "." and token[0].isupper() and len(token) <= 5:
        return False  # "Univ. by", "Dept. of": a capitalised abbreviation, not an end
    window = text[max(0, mark - 200) : mark]
    last = 0
    for m in _SENTENCE_BREAK.finditer(window):
        last = m.end()
    return len(window[last:].split()) >= 3  # "min. hyph. dist. from": fragments, not sentences


def _after_interjection(text: str, mark: int) -> bool:
    """Whether the "!" or "?" at ``mark`` closes a cry such as "alas!" or "oh!"."""
    m = _LAST_WORD.search(text, max(0, mark - 12), mark + 1)
    return m is not None and m.end() == mark + 1 and m.group(1).lower() in _INTERJECTIONS


def _line_start(text: str, pos: int) -> int:
    """Where the line of ``pos`` starts, looking no more than a few hundred characters back."""
    window = max(0, pos - 300)
    return text.rfind("\n", window, pos) + 1 or window


def _in_table(text: str, pos: int) -> bool:
    line_end = text.find("\n", pos, pos + 300)
    return "|" in text[_line_start(text, pos) : pos + 300 if line_end == -1 else line_end]


def after_sentence(text: str, break_start: int, hard: Spans) -> bool:
    """Whether the paragraph that ends at ``break_start`` (a blank line follows) ends a
    sentence of prose, so that the next paragraph starts one."""
    prev_start = text.rfind("\n", 0, break_start) + 1
    previous = text[prev_start:break_start].rstrip().rstrip(_CLOSERS)
    if not previous.endswith((".", "!", "?")) or hard.overlaps(prev_start, break_start):
        return False  # after a code example, a colon or a heading: the same sentence
    para_start = text.rfind("\n\n", 0, prev_start)
    para_start = 0 if para_start == -1 else para_start + 2
    # After a list item the sentence may go on: "either * this, or * that, or both".
    return not (text[prev_start : prev_start + 1].isspace() or _LIST_ITEM.match(text, para_start))


def _opens_paragraph(ctx: Context, pos: int, break_start: int) -> bool:
    """Whether the paragraph at ``pos`` starts a sentence: the one before ended one."""
    text = ctx.text
    if break_start >= 0 and not after_sentence(text, break_start, ctx.protection.hard):
        return False
    paragraph_end = text.find("\n\n", pos)
    paragraph = text[pos : len(text) if paragraph_end == -1 else paragraph_end].rstrip()
    if not paragraph.rstrip(_CLOSERS).endswith((".", "!", "?")):
        return False  # a label, a title or a fragment, not a paragraph of sentences
    line_end = text.find("\n", pos)
    if line_end != -1:
        next_end = text.find("\n", line_end + 1)
        following = text[line_end + 1 : len(text) if next_end == -1 else next_end]
        indent = len(text[text.rfind("\n", 0, pos) + 1 : pos])
        if following.strip() and len(following) - len(following.lstrip()) > indent:
            return False  # a term and its indented definition
    return True


def sentence_capital(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    english = EnglishParagraphs.of(text)
    for m in _AFTER_END.finditer(text):
        pos = m.end()
        word = _opener_at(text, pos)
        if word is None:
            continue
        if text[m.start()] in "!?" and (
            word not in _AFTER_EXCLAMATION or _after_interjection(text, m.start())
        ):
            continue
        if not english.at(pos):
            continue
        if "\n" in m.group(0) and _LIST_ITEM.match(text, _line_start(text, pos)):
            continue  # the next line is a list item, whose case is the writer's choice
        if _ends_sentence(text, m.start()) and not _in_table(text, pos):
            yield from _capitalise(ctx, english, pos)
    first = _TEXT_START.match(text)
    starts = [(first.end(), -1)] if first else []
    starts += [(m.end(), m.start()) for m in _PARAGRAPH_START.finditer(text)]
    for pos, break_start in starts:
        if _opener_at(text, pos) is None or _in_table(text, pos):
            continue
        if _opens_paragraph(ctx, pos, break_start):
            yield from _capitalise(ctx, english, pos)


def _capitalise(ctx: Context, english: EnglishParagraphs, pos: int) -> Iterator[Edit]:
    word = _opener_at(ctx.text, pos)
    if word is None or not ctx.free(pos, pos + len(word)) or not english.at(pos):
        return
    yield ctx.edit(
        "normalize.sentence_capital",
        pos,
        pos + 1,
        word[0].upper(),
        "a sentence starts with a capital letter",
    )
