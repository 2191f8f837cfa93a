"""Quotes and dashes made consistent with the style most of the document already uses.

Nothing changes when the document has no clear majority. Apostrophes are
told apart from quote marks by position (inside a word, or a plural
possessive), and a quote mark after a digit is taken for a prime (5'10").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from service.engines.edits import Edit

from ._context import Context

_TO_STRAIGHT = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"}
_TO_CURLY = {
    ('"', "open"): "\u201c",
    ('"', "close"): "\u201d",
    ("'", "open"): "\u2018",
    ("'", "close"): "\u2019",
}
_APOSTROPHE_MARK = re.compile(r"['\u2019](?=[A-Za-z]|[ \t\n,.;:!?)]|$)")
_DOUBLE_QUOTES = re.compile(r"[\"\u201c\u201d]")


def _apostrophes(text: str) -> Iterator[re.Match[str]]:
    """In-word apostrophes ("don't") and plural possessives ("users' files")."""
    for m in _APOSTROPHE_MARK.finditer(text):
        i = m.start()
        if i == 0 or not text[i - 1].isalpha():
            continue
        after = text[i + 1] if i + 1 < len(text) else " "
        if after.isalpha() or (text[i - 1] == "s" and i > 1 and text[i - 2].islower()):
            yield m


def _quote_style(ctx: Context) -> str | None:
    straight = curly = 0
    for m in _DOUBLE_QUOTES.finditer(ctx.text):
        if m.group(0) == '"' and m.start() and ctx.text[m.start() - 1].isdigit():
            continue  # a prime: 5'10"
        if ctx.free_hard(m.start(), m.end()):
            if m.group(0) == '"':
                straight += 1
            else:
                curly += 1
    for m in _apostrophes(ctx.text):
        if ctx.free_hard(m.start(), m.end()):
            if m.group(0) == "'":
                straight += 1
            else:
                curly += 1
    if straight > curly:
        return "straight"
    if curly > straight:
        return "curly"
    return None


def quotes(ctx: Context) -> Iterator[Edit]:
    style = ctx.house.quotes if ctx.house is not None else _quote_style(ctx)
    if style is None:
        return
    text = ctx.text
    changes: list[tuple[int, str]] = []
    for pos, role in ctx.protection.marks.items():
        ch = text[pos]
        if style == "curly" and ch in "\"'":
            changes.append((pos, _TO_CURLY[ch, role]))
        elif style == "straight" and ch in _TO_STRAIGHT:
            changes.append((pos, _TO_STRAIGHT[ch]))
    apostrophe = "\u2019" if style == "curly" else "'"
    positions = [m.start() for m in _apostrophes(text)]
    # "\u201890s" is an opening quote mark typed where an apostrophe belongs: it becomes one.
    positions += ctx.protection.elided
    for pos in positions:
        if pos in ctx.protection.marks or not ctx.free(pos, pos + 1):
            continue
        if text[pos] != apostrophe:
            changes.append((pos, apostrophe))
    for pos, new in sorted(changes):
        if ctx.free(pos, pos + 1):  # a delimiter is never inside its own quotation
            reason = f"this document mostly uses {style} quotes"
            yield ctx.edit("normalize.quotes", pos, pos + 1, new, reason)


_DASHES = (re.compile(" -- "), re.compile("[\u2014\u2013]"))
_LEFT = frozenset(",;:!?)\u201d\"\u2019'")
_RIGHT = frozenset("(\u201c\"\u2018'")
_DASH_TEXT = {
    "double": " -- ",
    "em_spaced": " \u2014 ",
    "em_closed": "\u2014",
    "en_spaced": " \u2013 ",
}
_NOT_PROSE = re.compile(r"[$=/|<>{}\[\]\\]")


def _prose_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end == -1 else line_end]
    return not _NOT_PROSE.search(line) and len(line.split()) >= 6


def _dashes_found(ctx: Context) -> list[tuple[str, int, int]]:
    found = []
    text = ctx.text
    matches = sorted(
        (m for regex in _DASHES for m in regex.finditer(text)), key=lambda m: m.start()
    )
    for m in matches:
        start, end = m.span()
        if m.group(0) == " -- ":
            start, end = start + 1, end - 1
        spaced_left = start > 0 and text[start - 1] == " "
        spaced_right = end < len(text) and text[end] == " "
        dash = text[start:end]
        if spaced_left and spaced_right:
            kind = {"--": "double", "\u2014": "em_spaced", "\u2013": "en_spaced"}[dash]
            start, end = start - 1, end + 1
        elif dash == "\u2014" and not spaced_left and not spaced_right:
            kind = "em_closed"
        else:
            continue
        if start == 0 or end == len(text):
            continue
        left, right = ctx.text[start - 1], ctx.text[end]
        if not (left.isalpha() or left in _LEFT) or not (right.isalpha() or right in _RIGHT):
            continue
        if not ctx.free(start, end):
            continue
        if kind == "double" and not _prose_line(ctx.text, start, end):
            continue
        found.append((kind, start, end))
    return found


def _dash_style(found: list[tuple[str, int, int]]) -> str | None:
    """The dash most of ``found`` are; None when there is no clear majority."""
    counts: dict[str, int] = {}
    for kind, _, _ in found:
        counts[kind] = counts.get(kind, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        return None
    return max(counts, key=counts.__getitem__)


def house_style(ctx: Context) -> tuple[str | None, str | None]:
    """The quote and dash styles the whole of ``ctx.text`` mostly uses."""
    return _quote_style(ctx), _dash_style(_dashes_found(ctx))


def dashes(ctx: Context) -> Iterator[Edit]:
    found = _dashes_found(ctx)
    target = ctx.house.dashes if ctx.house is not None else _dash_style(found)
    if target is None or all(kind == target for kind, _, _ in found):
        return
    new = _DASH_TEXT[target]
    for kind, start, end in found:
        if kind != target:
            yield ctx.edit(
                "normalize.dashes",
                start,
                end,
                new,
                "this document mostly writes dashes "
                f"as '{new.strip()}'" + (" with spaces" if new.startswith(" ") else ""),
            )
