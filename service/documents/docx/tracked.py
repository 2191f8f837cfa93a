"""A Word document whose differences between two passes are tracked changes.

Each word-level change is a real revision: deleted text in ``w:del`` (as
``w:delText``), inserted text in ``w:ins``, both carrying ``w:author`` and
``w:date``, with ``w:id`` values no other annotation of the document uses,
so Word and LibreOffice can accept or reject each one. Given the original
``.docx``, the revisions are made in it, so styles, formatting, tables and
headers stay; given only styles (or a ``DocxText``), a plain document with
those paragraph styles is built first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import docx
from docx.document import Document
from docx.opc.part import XmlPart

from ._package import open_document, save_document
from ._render import Revisions
from ._xml import W_ID, whole_number
from .apply import ParagraphCountChanged, rewrite
from .model import DocxText, Reach
from .reader import read_document
from .templates import clear_body, fill


def tracked_changes_docx(
    before: bytes | DocxText | Sequence[tuple[str, str]],
    old_texts: Sequence[str],
    new_texts: Sequence[str],
    *,
    author: str,
    date: datetime,
    reach: Reach = Reach.ALL,
) -> bytes:
    """Paragraph ``i`` showing ``old_texts[i]`` changed into ``new_texts[i]`` as revisions.

    ``before`` is the original ``.docx`` (best), or its ``DocxText``, or
    ``(style, text)`` pairs whose styles are used (their texts are not).
    Raises ``ParagraphCountChanged`` when the counts differ and
    ``DocxRejected`` for an unsafe original.
    """
    if len(old_texts) != len(new_texts):
        raise ParagraphCountChanged(
            f"{len(old_texts)} old paragraph texts but {len(new_texts)} new ones"
        )
    if isinstance(before, bytes):
        document = open_document(before)
        if read_document(document, reach).texts != list(old_texts):
            rewrite(document, old_texts, reach=reach)
    else:
        styles = [style for style, _ in (before.styled if isinstance(before, DocxText) else before)]
        if len(styles) != len(old_texts):
            raise ParagraphCountChanged(
                f"{len(styles)} paragraph styles but {len(old_texts)} paragraph texts"
            )
        document = docx.Document()  # python-docx's default, its page setup kept
        clear_body(document)
        fill(document, list(zip(styles, old_texts, strict=True)) or [("Normal", "")])
    revisions = Revisions(author=author, date=date, next_id=_max_id(document) + 1)
    if old_texts or new_texts:
        rewrite(document, new_texts, revisions, reach)
    return save_document(document)


def _max_id(document: Document) -> int:
    """The largest numeric ``w:id`` in any XML part (bookmarks, comments, revisions)."""
    largest = 0
    for part in document.part.package.iter_parts():
        if not isinstance(part, XmlPart):
            continue
        for element in part.element.iter():
            value = element.get(W_ID) if isinstance(element.tag, str) else None
            if (number := whole_number(value, digits=18)) is not None:
                largest = max(largest, number)
    return largest
