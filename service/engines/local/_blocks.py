"""Find block-level regions no rule may touch: code blocks, literal blocks, directives.

The scan is line by line and deliberately over-protects when a block's kind is
unclear: an indented block after a blank line is treated as code even where
Markdown would call it a list continuation, because a missed edit costs less
than a wrong one.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"[ ]{0,3}(`{3,}|~{3,})")
_DIRECTIVE = re.compile(r"[ \t]*\.\.(?:[ \t]|$)")
_PROSE_DIRECTIVE = re.compile(
    r"[ \t]*\.\.[ \t]+(?:note|warning|tip|hint|important|caution|attention|danger|error|"
    r"seealso|versionadded|versionchanged|deprecated|admonition|topic|sidebar)::",
)
_DOCTEST = re.compile(r"[ \t]*>>>")
_PROMPT = re.compile(r"[ \t]*[$%][ \t]")


def _indent(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def code_blocks(text: str) -> list[tuple[int, int]]:
    """Ranges of fenced, indented, literal, directive and doctest blocks."""
    ranges: list[tuple[int, int]] = []
    fence: str | None = None
    block_indent: int | None = None  # lines indented at least this much stay protected
    pending_literal: int | None = None  # the paragraph before ended in "::"
    in_doctest = False
    prev_blank = True
    para_indent = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        start, pos = pos, pos + len(line)
        body = line.rstrip("\r\n")
        if fence is not None:
            ranges.append((start, pos))
            m = _FENCE.match(body)
            closes = m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
            if closes and m and not body[m.end() :].strip():
                fence = None
            continue
        blank = not body.strip()
        if blank:
            if block_indent is not None:
                ranges.append((start, pos))
            in_doctest = False
            prev_blank = True
            continue
        indent = _indent(body)
        if block_indent is not None:
            if indent >= block_indent:
                ranges.append((start, pos))
                prev_blank = False
                continue
            block_indent = None
        m = _FENCE.match(body)
        if m and not (m.group(1)[0] == "`" and "`" in body[m.end() :]):
            fence = m.group(1)
            ranges.append((start, pos))
            continue
        if pending_literal is not None and prev_blank and indent > pending_literal:
            block_indent = pending_literal + 1
            pending_literal = None
            ranges.append((start, pos))
            prev_blank = False
            continue
        pending_literal = None
        if prev_blank:
            para_indent = indent
            if indent >= 4:
                block_indent = 4
                ranges.append((start, pos))
                prev_blank = False
                continue
        if in_doctest or _DOCTEST.match(body) or _PROMPT.match(body):
            in_doctest = True
            ranges.append((start, pos))
        elif _DIRECTIVE.match(body):
            ranges.append((start, pos))
            if not _PROSE_DIRECTIVE.match(body):
                block_indent = indent + 1
        if body.rstrip().endswith("::"):
            pending_literal = para_indent
        prev_blank = False
    return ranges
