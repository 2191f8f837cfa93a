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
from ._english import FUNCTION_WORDS, SENTENCE_STARTERS, EnglishParagraphs
from ._text import ABBREVIATIONS, is_sentence_start

_DOUBLED_WORDS = "|".join(sorted(load_words("doubled_words.txt"), key=len, reverse=True))
_PAIR = "(" + _DOUBLED_WORDS + r")((?:[ \t]+\1)+)(?![\w'\u2019-])"
# The first word after a space, at a line's start or in brackets: each pattern starts with
# a literal, so the scan is fast.
_DOUBLED = (
    re.compile(" " + _PAIR),
    re.compile(r"\n[ \t]*" + _PAIR),
    re.compile(r"\(" + _PAIR),
    re.compile(r"\A[ \t]*" + _PAIR),
)


def doubled_word(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    english = EnglishParagraphs.of(text)  # "an an" or "a a" may be right in German
    for m in (m for regex in _DOUBLED for m in regex.finditer(ctx.lowered)):
        first, repeats = m.group(1), text[m.start(2) : m.end(2)]
        if any(w != w.lower() for w in repeats.split()):
            continue  # "A A", "The The": a name or a label, not a slip
        head = text[m.start(1) : m.end(1)]
        if head != head.lower() and (len(head) == 1 or not is_sentence_start(text, m.start(1))):
            continue  # "Team A a lead", "vitamin A a day": a letter's name or a name
        start, end = m.start(2), m.end(2)
        if ctx.free(m.start(1), end) and english.at(start):
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


_EXTRA_SPACE = re.compile(r" (?<=\S.) +(?=\S)")  # not indentation
# A sentence's end (a lower-case letter and a full stop) and the next one's capital;
# "!" and "?" are too few to sway the count, and leaving them out keeps the scan fast.
_ONE_SPACE = re.compile(r"\.(?<=[a-z]\.) (?=[A-Z])")
_TWO_SPACES = re.compile(r"\.(?<=[a-z]\.)  (?=[A-Z])")
_CLOSERS = "\"')]\u201d\u2019*_"
_AFTER_SENTENCE = frozenset(".!?" + _CLOSERS)
_MARKER = re.compile(r"[ \t]*(?:[-*+>#]+|\d{1,3}[.)]|[A-Za-z][.)]|\(?[ivxIVX]{1,4}[.)])")
_BORDER = re.compile(r"[ \t]*[=+-][=+:-]{2,}(?:[ \t]+[=+:-]+)*[ \t]*")
# A line of prose indented this deep sits under a column of the line above or below.
_DEEP_INDENT = 8
_LINE_GAP = re.compile(r"(?<=\S)(?: {2,}|\t[ \t]*)(?=\S)")


def double_spaced(ctx: Context) -> bool:
    """Whether the text mostly puts two spaces between sentences (a valid house style)."""
    two = len(_TWO_SPACES.findall(ctx.text))
    return two > 0 and two >= len(_ONE_SPACE.findall(ctx.text))


def _line(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end == -1 else end


def _columns(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The column ranges of the gaps of the line ``text[start:end]``, its indentation included."""
    gaps = [(m.start() - start, m.end() - start) for m in _LINE_GAP.finditer(text, start, end)]
    indent = len(text[start:end]) - len(text[start:end].lstrip(" \t"))
    if indent >= 2 and indent < end - start:
        gaps.append((0, indent))
    return gaps


def _neighbours(text: str, line_start: int, line_end: int) -> Iterator[tuple[int, int, bool]]:
    """The lines above and below, and whether a blank line was passed to reach them (a list
    of terms and their meanings is often spaced out: "NEXTWORD     separate the sets", a
    blank line, "patterns     see the files")."""
    if line_start > 0:
        a, b = _line(text, line_start - 1)
        blank = not text[a:b].strip()
        if blank and a > 0:
            a, b = _line(text, a - 1)
        yield a, b, blank
    if line_end < len(text):
        a, b = _line(text, line_end + 1)
        blank = not text[a:b].strip()
        if blank and b < len(text):
            a, b = _line(text, b + 1)
        yield a, b, blank


def _in_columns(text: str, line_start: int, line_end: int) -> bool:
    """Whether a gap of this line lines up with a gap of the line above or below (aligned
    columns, a table's rows), or the line above or below is a table border ("=====  ===").

    Past a blank line only a wide gap counts, and only where the next column starts at
    the same place: two-space gaps between sentences meet by chance. A wide gap that
    ends where a word of the next or previous line starts is aligned with it too
    ("discussion:      list@" above "internals, etc.: devel@").
    """
    own = [
        (m.start() - line_start, m.end() - line_start)
        for m in _LINE_GAP.finditer(text, line_start, line_end)
    ]
    indent = len(text[line_start:line_end]) - len(text[line_start:line_end].lstrip(" "))
    if indent >= _DEEP_INDENT:
        own.append((0, indent))  # a row's last column carried over to a line of its own
    for a, b, blank in _neighbours(text, line_start, line_end):
        if not blank and _BORDER.fullmatch(text, a, b):
            return True
        for first, last in _columns(text, a, b):
            if blank:
                if any(e == last and e - s >= 3 for s, e in own):
                    return True
            elif any(s < last and first < e for s, e in own):
                return True
        if not blank and _word_starts_below_gap(text, line_start, own, text[a:b]):
            return True
    return False


def _word_starts_below_gap(
    text: str, line_start: int, gaps: list[tuple[int, int]], neighbour: str
) -> bool:
    """Whether a gap of three spaces or more, not after a sentence's end, ends where a word
    of ``neighbour`` starts."""
    for s, e in gaps:
        if e - s < 3 or e >= len(neighbour) or text[line_start + s - 1] in ".!?":
            continue
        if neighbour[e - 1] == " " and not neighbour[e].isspace():
            return True
    return False


def extra_space(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    keep_gaps = ctx.house.double_spaced if ctx.house is not None else double_spaced(ctx)
    line_start = line_end = -1
    table = columnar = False
    for m in _EXTRA_SPACE.finditer(text):
        start, end = m.span()
        if not start or text[start - 1].isspace():
            continue  # indentation
        if text[end] == "#":
            continue  # a trailing comment on a line of code
        new, reason = " ", "one space between words"
        if keep_gaps and text[start - 1] in _AFTER_SENTENCE:
            k = start
            while k > 0 and text[k - 1] in _CLOSERS:
                k -= 1
            if k > 0 and text[k - 1] in ".!?":
                if end - start == 2:
                    continue  # the document's two spaces between sentences
                new, reason = "  ", "two spaces between sentences, as in the rest of the text"
        if not ctx.free(start, end):
            continue
        if start > line_end:  # a new line: read it once
            line_start, line_end = _line(text, start)
            table = "|" in text[line_start:line_end]
            columnar = not table and _in_columns(text, line_start, line_end)
        if table or columnar:
            continue  # a table's row, or aligned columns
        if _MARKER.fullmatch(text, line_start, start):
            continue  # after a list marker or a heading's hashes
        yield ctx.edit("normalize.extra_space", start, end, new, reason)


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


# "," and ";" before more of the sentence; "." and "?" only where a sentence ends.
# "!" is left alone: "and ! operators" names an operator.
_SPACE_BEFORE = re.compile(
    r" (?=[,;](?:[ \t]+[^\W\d_]|[a-z]+[ \t\n])|[.?](?:[ \t]+[A-Za-z\"\u201c]|[ \t]*(?:\n|$)))"
)
# Commands whose argument is often "." (the current folder): "run docker build ."
_DOT_ARGUMENT = frozenset(
    {
        "add", "build", "check", "clone", "code", "commit", "copy", "cp", "deploy", "du",
        "find", "fix", "fmt", "format", "grep", "init", "install", "lint", "ls", "mv", "open",
        "push", "run", "rsync", "scp", "serve", "sync", "test", "tree", "watch",
    }
)  # fmt: skip


def space_before_punct(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    for m in _SPACE_BEFORE.finditer(text):
        start, end = m.span()
        if start < 2 or not (text[start - 1].isalpha() and text[start - 2].isalpha()):
            continue
        mark = text[end]
        if mark == ".":
            word = _WORD_BEFORE.search(text, max(0, start - 30), start)
            if word is None or _DOT_ARGUMENT.intersection(
                text[max(0, start - 40) : start].split()[-2:]
            ):
                continue  # "docker build .", "cp notes ."
        if not ctx.free(start, end + 1):
            continue
        if text[end + 1 : end + 2].isalpha():  # " ,and": the space belongs after the mark
            yield ctx.edit(
                "normalize.space_before_punct",
                start,
                end + 1,
                mark + " ",
                f"a space after '{mark}', not before",
            )
        else:
            yield ctx.edit(
                "normalize.space_before_punct", start, end, "", f"no space before '{mark}'"
            )


_WORD_BEFORE = re.compile(r"(?<![\w.@/\\'\u2019:=-])[^\W\d_]{2,}$")
# A word that ends cleanly: not the start of a name, path, call or dotted identifier.
_WORD_AFTER = re.compile(r"([^\W\d_]+)(?![\w@/\\(=]|[.:'\u2019-]\w)")


def missing_space(ctx: Context) -> Iterator[Edit]:
    """A space after ",", ";", ":" or a sentence's full stop typed without one.

    Only between two plain words, and only where the second is a common
    English function word: "x,y", "key:value", "os.path" and "models.Model"
    are names, not slips.
    """
    text = ctx.text
    for m in _GLUED.finditer(text):
        mark = m.group(0)
        at = m.end()
        if not (m.start() and text[m.start() - 1].isalpha()):
            continue
        after = _WORD_AFTER.match(text, at)
        if after is None:
            continue
        follower = after.group(1)
        if follower not in (FUNCTION_WORDS if mark in ",;:" else SENTENCE_STARTERS) and not (
            follower in "AI" and mark == "."  # "end.I think", not "re.I"
        ):
            continue
        word = _WORD_BEFORE.search(text, max(0, m.start() - 30), m.start())
        if word is None or (mark in ".!?" and not _sentence_glued(word.group(0), follower)):
            continue
        if ctx.free(word.start(), after.end()):
            kind = "between sentences" if mark in ".!?" else "between words"
            yield ctx.edit("normalize.missing_space", at, at, " ", f"a space after '{mark}' {kind}")


def _sentence_glued(word: str, follower: str) -> bool:
    """Whether "word.Follower" is two sentences run together, not a name like "models.Model"."""
    return (
        (follower in SENTENCE_STARTERS or follower in ("A", "I"))
        and word.islower()
        and word not in ABBREVIATIONS
    )


# A mark between two letters, the word after it ending cleanly (not "a:b:c", "x.y()").
_GLUED = re.compile(
    r"[,;:.!?](?:(?<=[^\W\d_][,;:])(?=[a-z]+[ \t\n,.;!?)])"
    r"|(?<=[a-z][.!?])(?=[A-Z][a-z]+[ \t\n,]|[AI] [a-z]))"
)
