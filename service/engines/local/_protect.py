"""Work out which parts of a text are off limits, and where quotations are.

Two levels: *hard* ranges (code, URLs, e-mail addresses, HTML, link targets
and labels, footnote labels, front matter, template tags, reST field names
and grid tables, LaTeX keys, identifiers written in prose) that no rule
touches, and *quoted* ranges (the inside of a quotation) that only the
typography of the quote marks themselves may pass through. Unbalanced quotes protect from the
stray mark to the end of its paragraph.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from service.engines.edits import Edit

from ._blocks import code_blocks
from ._identifiers import identifiers
from ._spans import Spans

# Each pattern starts with a literal character so the regex engine can skip ahead fast.
_INLINE = tuple(
    re.compile(p, re.DOTALL | re.MULTILINE)
    for p in (
        r"``(?:[^`\n]|\n(?![ \t]*\n)|`(?!`))+?``",  # reST inline literal
        # A code span (or interpreted text) closes at a run of as many backticks as opened it.
        r"`(?<!``)(`*)(?!`)(?:[^`\n]|\n(?![ \t]*\n)|`+)+?(?<!`)`\1(?!`)",
        r":[\w:.+-]+:(?=`)",  # reST role name
        r"<!--.*?-->",  # HTML comment
        r"<(pre|code|script|style|kbd|samp|tt)\b[^>]*>.*?</\1\s*>",  # literal HTML
        r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>",  # HTML tag
        r"<[^<>\s]+>",  # autolink
        r"\]\([^)\n]*\)",  # Markdown link target
        r"\]:[ \t]*\S.*$",  # Markdown reference definition (checked below)
        r"\|[^|\s](?:[^|\n]*[^|\s])?\|",  # reST substitution / table cell
        # A reST grid table, from its top border on: a word of another length moves a "|".
        r"\+[-=]{3,}[-=+]*\+[ \t]*\n(?:[ \t]*[|+][^\n]*(?:\n|\Z))*",
        r"\[\^[^\]\n]+\]",  # Markdown footnote label
        r"\]\[[^\]\n]*\]",  # the label of a Markdown reference link
        r"\{\{.{0,200}?\}\}|\{%.{0,200}?%\}|\{#.{0,200}?#\}",  # template tags (Jinja, Liquid)
        r"\\(?:[a-zA-Z]*cite[a-zA-Z]*|[a-zA-Z]*ref|label|input|include|includegraphics|url|href"
        r"|bibliography|usepackage|documentclass|begin|end)\*?(?:\[[^\]\n]*\])*\{[^}\n]*\}",
        r"\A(?:---|\+\+\+)[ \t]*\n.*?\n(?:---|\.\.\.|\+\+\+)[ \t]*$",  # front matter
    )
)
# A reST field name (":param x:") at the start of a line.
_FIELD_NAME = re.compile(r"\n[ \t]*(:(?!:)[^:`\n]+:)(?=[ \t\n]|\Z)")
_REF_DEF = re.compile(r"[ \t]{0,3}\[[^\]\n]+$")
_URLS = tuple(
    re.compile(anchor + r"[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]]")
    for anchor in ("://", r"www\.", "mailto:")
)
_EMAIL = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_PATH = re.compile(r"/[\w.~/-]*\w")


def _inline(text: str) -> list[tuple[int, int]]:
    """Ranges of inline code, HTML, link targets, URLs, e-mail addresses and paths."""
    found: list[tuple[int, int]] = []
    for regex in _INLINE:
        for m in regex.finditer(text):
            start = m.start()
            if text[start] == "]" and text[start + 1] == ":":
                line_start = text.rfind("\n", 0, start) + 1
                if not _REF_DEF.fullmatch(text, line_start, start):
                    continue
                start = line_start
            found.append((start, m.end()))
    first = _FIELD_NAME.match("\n" + text[:200])
    if first:
        found.append((first.start(1) - 1, first.end(1) - 1))
    found.extend(m.span(1) for m in _FIELD_NAME.finditer(text))
    for m in (m for regex in _URLS for m in regex.finditer(text)):
        start = m.start()
        if text.startswith("://", start):
            while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "+.-"):
                start -= 1
            if start == m.start():
                continue
        found.append((start, m.end()))
    for m in _EMAIL.finditer(text):
        start = m.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1
        if start < m.start():
            found.append((start, m.end()))
    for m in _PATH.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1] in ".~":
            start -= 1
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_/"):
            continue  # "and/or", "km/h": a word with a slash, not a path
        found.append((start, m.end()))
    return found


# A word that starts with an apostrophe for letters or digits left out, never a quote
# mark: "the '90s", "rock 'n' roll", "'tis", "tell 'em".
_ELISION = (
    r"(?:\d\ds?\b|[nN]['\u2018\u2019](?=[\s,.;:!?)]|$)"
    r"|(?:[tT]is|[tT]was|[tT]were|em|cause|til|bout)\b)"
)
# One pattern per mark, each starting with it: a literal scans far faster than a class.
_LEADING_APOSTROPHES = (re.compile("'" + _ELISION), re.compile("[\u2018\u2019]" + _ELISION))


def _start(m: re.Match[str]) -> int:
    return m.start()


def leading_apostrophes(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Positions of apostrophes that open a shortened word (and the second one of "'n'")."""
    found = []
    stop = len(text) if end is None else end
    curly = "\u2018" in text or "\u2019" in text
    regexes = _LEADING_APOSTROPHES if curly else _LEADING_APOSTROPHES[:1]
    for m in sorted((m for r in regexes for m in r.finditer(text, start, stop)), key=_start):
        before = text[m.start() - 1] if m.start() else " "
        if before.isalnum() or before in "_'\u2018\u2019":
            continue  # inside a word: "rock'n'roll", "it's"
        found.append(m.start())
        if m.group(0)[1] in "nN" and len(m.group(0)) == 3:
            found.append(m.end() - 1)
    return found


_CURLY = {"\u201c": re.compile("[\u201c\u201d]"), "\u2018": re.compile("[\u2018\u2019]")}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_OPEN_BEFORE = frozenset(" \t\n([{\u2014\u2013-/")
_CLOSE_AFTER = frozenset(" \t\n.,;:!?)]}\u2014\u2013-/")


@dataclass(frozen=True, slots=True)
class Protection:
    """Where rules may not edit, and which quote marks delimit a quotation."""

    hard: Spans
    quoted: Spans
    # position -> "open" or "close" for every quote mark that delimits a quotation
    marks: dict[int, str]
    # paragraphs (start, end) whose straight double quotes could not be paired
    unpaired: Spans
    # apostrophes that open a shortened word: "'90s", "rock 'n' roll"
    elided: frozenset[int]


def protect(text: str) -> Protection:
    hard_ranges = code_blocks(text)
    hard_ranges.extend(_inline(text))
    hard = Spans.build(hard_ranges)
    names = identifiers(text, hard)
    if names:
        hard = Spans.build([*hard, *names])
    quoted: list[tuple[int, int]] = []
    marks: dict[int, str] = {}
    unpaired: list[tuple[int, int]] = []
    elided = frozenset(leading_apostrophes(text))
    start = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        _quotations(text, start, m.start(), hard, elided, quoted, marks, unpaired)
        start = m.end()
    _quotations(text, start, len(text), hard, elided, quoted, marks, unpaired)
    return Protection(hard, Spans.build(quoted), marks, Spans.build(unpaired), elided)


def _is_open(text: str, i: int, start: int) -> bool:
    before = text[i - 1] if i > start else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before in _OPEN_BEFORE or before in "\"\u201c\u2018'") and not after.isspace()


def _is_close(text: str, i: int, end: int, start: int) -> bool:
    before = text[i - 1] if i > start else " "
    after = text[i + 1] if i + 1 < end else " "
    return not before.isspace() and (after in _CLOSE_AFTER or after in "\"\u201d\u2019'")


def _quotations(
    text: str,
    start: int,
    end: int,
    hard: Spans,
    elided: frozenset[int],
    quoted: list[tuple[int, int]],
    marks: dict[int, str],
    unpaired: list[tuple[int, int]],
) -> None:
    """Pair the quote marks of one paragraph ``text[start:end]``."""
    para = text[start:end]
    if not any(q in para for q in "\"\u201c\u201d\u2018'"):
        return
    # Straight double quotes: pair strictly in order, or give up on the paragraph.
    straight = [i for i in _positions(text, '"', start, end) if not hard.overlaps(i, i + 1)]
    straight = [i for i in straight if not (i > start and text[i - 1].isdigit())]  # 5'10"
    pairs: list[tuple[int, int]] = []
    ok = len(straight) % 2 == 0
    for k in range(0, len(straight) - 1, 2):
        o, c = straight[k], straight[k + 1]
        if not (_is_open(text, o, start) and _is_close(text, c, end, start)):
            ok = False
            break
        pairs.append((o, c))
    if straight and not ok:
        quoted.append((straight[0], end))
        unpaired.append((start, end))
    else:
        _record(pairs, quoted, marks)
    # Curly double quotes.
    _pair_curly(text, start, end, "\u201c", "\u201d", hard, quoted, marks)
    # Curly single quotes: the right one is also the apostrophe, so a closer must end a word.
    _pair_curly(text, start, end, "\u2018", "\u2019", hard, quoted, marks, elided)
    # Straight single quotes, only where unambiguous.
    opener: int | None = None
    for i in _positions(text, "'", start, end):
        if hard.overlaps(i, i + 1) or i in elided:
            continue
        before = text[i - 1] if i > start else " "
        after = text[i + 1] if i + 1 < end else " "
        if before.isalnum() and after.isalnum():
            continue  # an apostrophe inside a word
        if opener is None:
            if (before in _OPEN_BEFORE or before in '"\u201c') and after.isalnum():
                opener = i
        elif _is_close(text, i, end, start) and not text[i - 1].isspace():
            _record([(opener, i)], quoted, marks)
            opener = None


def _pair_curly(
    text: str,
    start: int,
    end: int,
    left: str,
    right: str,
    hard: Spans,
    quoted: list[tuple[int, int]],
    marks: dict[int, str],
    elided: frozenset[int] | None = None,
) -> None:
    opener: int | None = None
    for m in _CURLY[left].finditer(text, start, end):
        i = m.start()
        ch = text[i]
        if hard.overlaps(i, i + 1) or (elided and i in elided):
            continue
        if ch == left:
            if opener is not None:
                quoted.append((opener, end))  # nested or stray opener: protect the rest
                return
            opener = i
            continue
        after = text[i + 1] if i + 1 < end else " "
        if left == "\u2018" and after.isalnum():
            continue  # an apostrophe
        if opener is None:
            if left == "\u201c":
                quoted.append((start, i))  # closer without opener: protect what came before
            continue
        _record([(opener, i)], quoted, marks)
        opener = None
    if opener is not None:
        quoted.append((opener, end))


def _record(
    pairs: list[tuple[int, int]], quoted: list[tuple[int, int]], marks: dict[int, str]
) -> None:
    for o, c in pairs:
        quoted.append((o + 1, c))
        marks[o] = "open"
        marks[c] = "close"


def _positions(text: str, ch: str, start: int, end: int) -> list[int]:
    found = []
    i = text.find(ch, start, end)
    while i != -1:
        found.append(i)
        i = text.find(ch, i + 1, end)
    return found


def shifted(p: Protection, edits: Sequence[Edit]) -> Protection:
    """The protection of the text after ``edits``, without working it out again.

    Only for edits that leave every protected range, quote mark and line
    break alone and change no character next to a quote mark's class (the
    spacing and word rules of ``normalize``): the text after them protects
    the same ranges, each moved by the edits before it.
    """
    if not edits:
        return p
    starts = [e.start for e in edits]
    ends = [e.end for e in edits]
    moved = [0]
    for e in edits:
        moved.append(moved[-1] + len(e.after) - (e.end - e.start))

    def at(pos: int) -> int:  # a character, or the start of a range
        return pos + moved[bisect_right(ends, pos)]

    def after(pos: int) -> int:  # the end of a range
        return pos + moved[bisect_left(starts, pos)]

    def spans(s: Spans) -> Spans:
        return Spans(tuple(at(x) for x in s.starts), tuple(after(x) for x in s.ends))

    return Protection(
        spans(p.hard),
        spans(p.quoted),
        {at(pos): role for pos, role in p.marks.items()},
        spans(p.unpaired),
        frozenset(at(pos) for pos in p.elided),
    )
