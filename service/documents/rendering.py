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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import docx

from service.documents.docx import (
    MAX_ELEMENTS,
    SEPARATOR,
    DocxRejected,
    DocxText,
    Reach,
    TextCountMismatch,
    TooManyElements,
    apply_texts,
    markdown_markup,
    read_docx,
    read_docx_as_stored,
    restyle,
    tracked_changes_docx,
    write_markdown,
    write_with_template,
)

log = logging.getLogger("refiner")

# Characters XML 1.0 cannot hold (a form feed from an old text file, a stray
# control character in a model's answer): a Word document leaves them out.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


class CannotRender(ValueError):
    """The text no longer fits its document (an engine merged or split paragraphs)."""


class TooLargeToRender(CannotRender):
    """The text has more elements than one ``.docx`` is written from (``MAX_ELEMENTS``)."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


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


def render(
    fmt: str,
    doc_format: str,
    text: str,
    *,
    source: bytes | None = None,
    template: bytes | None = None,
    original: str | None = None,
    limit: int = MAX_ELEMENTS,
    checkpoint: Callable[[], None] | None = None,
) -> Rendered:
    """``text`` as a file of format ``fmt``. A ``.docx`` document needs its ``source``,
    and its ``original`` text (pass 0) to tell how it was read.

    Raises ``CannotRender``, with why, for a template that is no usable ``.docx``
    (a file put in the templates folder) as for text that no longer fits;
    ``TooLargeToRender`` for a text of more than ``limit`` elements, before
    the work starts. ``checkpoint`` is called every so often while a text
    is written; what it raises (a cancellation) stops the writing.
    """
    try:
        return _render(fmt, doc_format, text, source, template, original, limit, checkpoint)
    except TooManyElements as exc:
        raise TooLargeToRender(str(exc), exc.limit) from None
    except DocxRejected as exc:
        raise CannotRender(str(exc)) from None


def _render(
    fmt: str,
    doc_format: str,
    text: str,
    source: bytes | None,
    template: bytes | None,
    original: str | None,
    limit: int,
    checkpoint: Callable[[], None] | None,
) -> Rendered:
    if fmt in ("txt", "md"):
        return Rendered(text.encode())
    if fmt != "docx":
        raise ValueError(f"unknown output format {fmt!r}")
    text = _NOT_IN_XML.sub("", text)
    if doc_format == "docx" and source is not None:
        reach, read = read_docx_as_stored(source, original)
        texts = DocxText.split(text, len(read.paragraphs))
        if texts is None:
            raise CannotRender("the refined text no longer has the document's paragraphs")
        if template is None:
            return Rendered(apply_texts(source, texts, reach))
        body = [
            (p.style, t) for p, t in zip(read.paragraphs, texts, strict=True) if p.part == "body"
        ]
        try:
            return Rendered(*restyle(template, source, [t for _, t in body], reach))
        except TextCountMismatch:
            # The body walked otherwise than it was read: keep every text, in paragraphs.
            log.warning("could not rebuild the document's tables in the template", exc_info=True)
            return Rendered(*write_with_template(template, body))
    if doc_format == "md":
        written = write_markdown(
            template or blank_template(), text, limit=limit, checkpoint=checkpoint
        )
        return Rendered(*written)
    if text.count(SEPARATOR) >= limit:
        raise TooManyElements(limit)
    paragraphs = [("Normal", block) for block in text.split(SEPARATOR)]
    written = write_with_template(template or blank_template(), paragraphs, checkpoint=checkpoint)
    return Rendered(*written)


def tracked_changes(
    doc_format: str,
    before: str,
    after: str,
    *,
    source: bytes | None,
    author: str,
    date: datetime,
    original: str | None = None,
) -> bytes:
    """A ``.docx`` in which every change from ``before`` to ``after`` is a tracked revision."""
    before, after = _NOT_IN_XML.sub("", before), _NOT_IN_XML.sub("", after)
    if doc_format == "md" and (rendered := _tracked_markdown(before, after, author, date)):
        return rendered
    old, new = before.split(SEPARATOR), after.split(SEPARATOR)
    if len(old) != len(new):
        old, new = [before], [after]  # paragraphs were merged: one revision block
    base: bytes | Sequence[tuple[str, str]]
    docx_source = source if doc_format == "docx" else None
    reach, read = read_docx_as_stored(docx_source, original) if docx_source else (Reach.ALL, None)
    if docx_source is not None and read is not None and len(old) == len(read.paragraphs):
        base = docx_source
    elif doc_format == "md" and len(old) == len(markdown_paragraphs(before)):
        base = markdown_paragraphs(before)
    else:
        base = [("Normal", p) for p in old]
    return tracked_changes_docx(base, old, new, author=author, date=date, reach=reach)


def _tracked_markdown(before: str, after: str, author: str, date: datetime) -> bytes | None:
    """Both versions rendered as Word would show them, the changes tracked in the first.

    Headings, lists, emphasis and tables then look as in the output, and
    the revisions are in words, not in Markdown's marks. Only when the two
    differ in words alone: a change of markup (a heading's level, a link's
    target, emphasis) is no change of words, and would not show. ``None``
    then, and when the two do not render to as many paragraphs.
    """
    template = blank_template()
    try:
        if markdown_markup(before) != markdown_markup(after):
            return None
        old_document = write_markdown(template, before)[0]
        new_document = write_markdown(template, after)[0]
    except TooManyElements:
        return None  # too large to render: the revisions are made in the source text
    old = read_docx(old_document).texts
    new = read_docx(new_document).texts
    if len(old) != len(new):
        return None
    return tracked_changes_docx(old_document, old, new, author=author, date=date)
