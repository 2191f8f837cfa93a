"""A numbering of its own for each numbered Markdown list, restarted at its first number.

A numbered paragraph style counts on across the whole document; each list
gets a numbering instance (``w:num``) of the style's own definition, with
its start overridden. python-docx's ``add_num`` finds the first free id by
listing every ``w:num`` of the document and testing each candidate against
that list: cubic in the number of lists, minutes for a document of many
short lists. The ids in use are read once here, and the next free one is
found by counting on (the same ids python-docx gives, gaps filled first).
"""

from __future__ import annotations

from typing import Any

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.oxml.numbering import CT_Num

from ._xml import Element, whole_number

_W_NUM_ID = qn("w:numId")
# The one element that may follow the ``w:num`` elements of a numbering part.
_W_NUM_ID_MAC_AT_CLEANUP = qn("w:numIdMacAtCleanup")


def _style_numbering(style: Any) -> Any:
    """The ``w:numPr`` a paragraph style numbers with, its own or its base's."""
    while style is not None:
        properties = style.element.pPr
        numbered = properties.numPr if properties is not None else None
        if numbered is not None and numbered.numId is not None:
            return numbered
        style = style.base_style
    return None


class ListCounts:
    """Makes the numbering instances of one document's lists."""

    def __init__(self, document: Document) -> None:
        self._document = document
        self._definitions: Element | None = None
        self._used: set[int] = set()
        self._next = 1
        # A style id's numbering: (abstractNumId, level), or None for a style that numbers nothing.
        self._styles: dict[str | None, tuple[int, int] | None] = {}

    def new(self, style_id: str | None, start: int) -> tuple[int, int] | None:
        """A new count for a list in the style ``style_id``, from ``start``: its
        ``(numId, level)``; None where the style numbers nothing (the template decides)."""
        if style_id not in self._styles:
            self._styles[style_id] = self._numbering_of(style_id)
        numbering = self._styles[style_id]
        if numbering is None or self._definitions is None:
            return None
        abstract, level = numbering
        while self._next in self._used:
            self._next += 1
        num_id = self._next
        self._used.add(num_id)
        count = CT_Num.new(num_id, abstract)  # type: ignore[no-untyped-call]
        if self._definitions.find(_W_NUM_ID_MAC_AT_CLEANUP) is None:
            self._definitions.append(count)
        else:
            self._definitions._insert_num(count)
        count.add_lvlOverride(ilvl=level).add_startOverride(start)
        return num_id, level

    def _numbering_of(self, style_id: str | None) -> tuple[int, int] | None:
        style = self._document.part.get_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
        numbered = _style_numbering(style)
        if numbered is None:
            return None
        try:
            definitions = self._document.part.numbering_part.element
            abstract = definitions.num_having_numId(numbered.numId.val).abstractNumId.val
        except (KeyError, NotImplementedError):  # no such numbering, or none at all
            return None
        if self._definitions is None:
            self._definitions = definitions
            for num in definitions.num_lst:
                if (num_id := whole_number(num.get(_W_NUM_ID))) is not None:
                    self._used.add(num_id)
        level = numbered.ilvl.val if numbered.ilvl is not None else 0
        return int(abstract), int(level)
