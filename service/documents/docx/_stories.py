"""Every paragraph of a document, in the one order the text model uses.

The order: the body (paragraphs and table cells as they appear, rows top to
bottom, cells left to right, nested tables inside their cell, a text box's
paragraphs right after the paragraph that anchors it), then every
header, then every footer, then the footnotes and the endnotes. Headers and
footers go section by section, each section's default, first-page and
even-page one; a section that links to the previous section's header shows
no paragraphs of its own, so each part is read once. Notes go in the order
of their part, which is the order Word numbers them in; the separator lines
Word keeps as notes of their own are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from docx.oxml.ns import qn
from docx.section import _Footer, _Header

from . import _package  # noqa: F401  (it registers the notes parts as XML, which _related needs)
from ._textboxes import text_boxes
from ._xml import MC_FALLBACK, W_P, W_PPR, W_SECT_PR, W_TC, W_TYPE, Element
from .model import Reach

_NOTES = (("footnote", RT.FOOTNOTES, qn("w:footnote")), ("endnote", RT.ENDNOTES, qn("w:endnote")))
# Notes Word keeps for the lines between the text and the notes, not written by anyone.
_SEPARATORS = frozenset({"separator", "continuationSeparator", "continuationNotice"})


@dataclass(frozen=True, slots=True)
class Located:
    """A ``w:p`` and where it lives."""

    element: Element
    part: str  # "body", "header", "footer", "footnote" or "endnote"
    section: int  # its section (a header's or footer's first; 0 for a note)
    in_table: bool


def iter_paragraphs(document: Document, reach: Reach = Reach.ALL) -> Iterator[Located]:
    boxes = reach is Reach.ALL
    section = 0
    for element, in_table in _blocks(document.element.body, in_table=False, boxes=boxes):
        yield Located(element, "body", section, in_table)
        properties = element.find(W_PPR)
        if properties is not None and properties.find(W_SECT_PR) is not None:
            section += 1
    for kind in ("header", "footer"):
        seen: set[str] = set()
        for index, sect in enumerate(document.sections):
            stories: tuple[_Header | _Footer, ...] = (
                (sect.header, sect.first_page_header, sect.even_page_header)
                if kind == "header"
                else (sect.footer, sect.first_page_footer, sect.even_page_footer)
            )
            for story in stories:
                if story.is_linked_to_previous:
                    continue
                part = story.part
                if part.partname in seen:
                    continue
                seen.add(part.partname)
                for element, in_table in _blocks(part.element, in_table=False, boxes=boxes):
                    yield Located(element, kind, index, in_table)
    if reach is not Reach.ALL:
        return
    for kind, relationship, tag in _NOTES:
        for notes in _related(document, relationship):
            for note in notes.element.iterchildren(tag):
                if note.get(W_TYPE, "normal") not in _SEPARATORS:
                    for element, in_table in _blocks(note, in_table=False, boxes=True):
                        yield Located(element, kind, 0, in_table)


def _related(document: Document, relationship: str) -> list[XmlPart]:
    """The document's parts of one relationship type that were read as XML."""
    return [
        rel.target_part
        for rel in document.part.rels.values()
        if rel.reltype == relationship
        and not rel.is_external
        and isinstance(rel.target_part, XmlPart)
    ]


def _blocks(container: Element, *, in_table: bool, boxes: bool) -> Iterator[tuple[Element, bool]]:
    """Paragraphs under ``container``, each followed by those of its text boxes."""
    for child in container:
        tag = child.tag
        if tag == W_P:
            yield child, in_table
            for box in text_boxes(child) if boxes else ():
                yield from _blocks(box, in_table=in_table, boxes=boxes)
        elif isinstance(tag, str) and tag not in (MC_FALLBACK, W_SECT_PR):
            yield from _blocks(child, in_table=in_table or tag == W_TC, boxes=boxes)
