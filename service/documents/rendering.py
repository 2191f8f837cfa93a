"""A refined text as a file of the asked format (blocking: run it in a worker thread).

A ``.docx`` source gets its refined text back in place (its formatting kept)
or, with a template, its paragraphs and tables rebuilt in the template's
styles. Text and Markdown become ``.docx`` through a template too,
Markdown's blocks, emphasis, links and tables as Word's (``docx.markdown``).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import docx

from service.documents.docx import (
    SEPARATOR,
    DocxText,
    Reach,
    TextCountMismatch,
    apply_texts,
    read_docx,
    restyle,
    tracked_changes_docx,
    write_markdown,
    write_with_template,
)

log = logging.getLogger("refiner")

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


class CannotRender(ValueError):
    """The text no longer fits its document (an engine merged or split paragraphs)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    data: bytes
    style_fallbacks: list[str] = field(default_factory=list)


def blank_template() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def markdown_paragraphs(text: str) -> list[tuple[str, str]]:
    """Markdown blocks as ``(style, text)``, one per block of the text, as a tracked-changes
    document needs them: headings, list items, quotes, the rest Normal."""
    styled: list[tuple[str, str]] = []
    for block in text.split(SEPARATOR):
        for line in block.split("\n") if _is_list(block) else [block]:
            if heading := _HEADING.match(line):
                styled.append((f"Heading {len(heading.group(1))}", heading.group(2)))
            elif bullet := _BULLET.match(line):
                styled.append(("List Bullet", bullet.group(1)))
            elif numbered := _NUMBERED.match(line):
                styled.append(("List Number", numbered.group(1)))
            elif line.startswith(">"):
                styled.append(("Quote", re.sub(r"^>\s?", "", line, flags=re.MULTILINE)))
            else:
                styled.append(("Normal", line))
    return styled


def _is_list(block: str) -> bool:
    lines = block.split("\n")
    return len(lines) > 1 and all(_BULLET.match(x) or _NUMBERED.match(x) for x in lines)


def _docx_paragraphs(source: bytes, text: str) -> tuple[DocxText, list[str], Reach]:
    """The document's paragraphs and the text cut to them, in the first reach that fits.

    A text refined before footnotes, endnotes and text boxes were read has
    only the main stories' paragraphs: it fits ``Reach.MAIN``.
    """
    for reach in Reach:
        original = read_docx(source, reach)
        texts = DocxText.split(text, len(original.paragraphs))
        if texts is not None:
            return original, texts, reach
    raise CannotRender("the refined text no longer has the document's paragraphs")


def _reach_of(source: bytes, paragraphs: int) -> Reach | None:
    """The reach in which ``source`` has that many paragraphs, if any."""
    return next((r for r in Reach if len(read_docx(source, r).paragraphs) == paragraphs), None)


def render(
    fmt: str,
    doc_format: str,
    text: str,
    *,
    source: bytes | None = None,
    template: bytes | None = None,
) -> Rendered:
    if fmt in ("txt", "md"):
        return Rendered(text.encode())
    if fmt != "docx":
        raise ValueError(f"unknown output format {fmt!r}")
    if doc_format == "docx" and source is not None:
        original, texts, reach = _docx_paragraphs(source, text)
        if template is None:
            return Rendered(apply_texts(source, texts, reach))
        body = [
            (p.style, t)
            for p, t in zip(original.paragraphs, texts, strict=True)
            if p.part == "body"
        ]
        try:
            return Rendered(*restyle(template, source, [t for _, t in body], reach))
        except TextCountMismatch:
            # The body walked otherwise than it was read: keep every text, in paragraphs.
            log.warning("could not rebuild the document's tables in the template", exc_info=True)
            return Rendered(*write_with_template(template, body))
    if doc_format == "md":
        return Rendered(*write_markdown(template or blank_template(), text))
    paragraphs = [("Normal", block) for block in text.split(SEPARATOR)]
    return Rendered(*write_with_template(template or blank_template(), paragraphs))


def tracked_changes(
    doc_format: str,
    before: str,
    after: str,
    *,
    source: bytes | None,
    author: str,
    date: datetime,
) -> bytes:
    """A ``.docx`` in which every change from ``before`` to ``after`` is a tracked revision."""
    if doc_format == "md" and (rendered := _tracked_markdown(before, after, author, date)):
        return rendered
    old, new = before.split(SEPARATOR), after.split(SEPARATOR)
    if len(old) != len(new):
        old, new = [before], [after]  # paragraphs were merged: one revision block
    base: bytes | Sequence[tuple[str, str]]
    reach = _reach_of(source, len(old)) if doc_format == "docx" and source is not None else None
    if source is not None and reach is not None:
        base = source
    elif doc_format == "md" and len(old) == len(markdown_paragraphs(before)):
        base = markdown_paragraphs(before)
    else:
        base = [("Normal", p) for p in old]
    return tracked_changes_docx(base, old, new, author=author, date=date, reach=reach or Reach.ALL)


def _tracked_markdown(before: str, after: str, author: str, date: datetime) -> bytes | None:
    """Both versions rendered as Word would show them, the changes tracked in the first.

    Headings, lists, emphasis and tables then look as in the output, and
    the revisions are in words, not in Markdown's marks. ``None`` when the
    two do not render to as many paragraphs (a pass merged or split blocks).
    """
    template = blank_template()
    old_document = write_markdown(template, before)[0]
    old = read_docx(old_document).texts
    new = read_docx(write_markdown(template, after)[0]).texts
    if len(old) != len(new):
        return None
    return tracked_changes_docx(old_document, old, new, author=author, date=date)
