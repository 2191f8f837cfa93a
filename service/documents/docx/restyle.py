"""A ``.docx`` document's body, refined, rebuilt in a style template.

The template gives the look: its styles, page setup, headers and footers.
The document gives the content: each body paragraph, with its refined text
and its style name looked up in the template, and each table as a table of
the same rows, columns and merged cells, nested tables included. Words keep
no direct formatting, which the template's styles replace; images and other
objects inside paragraphs are not carried over, and a text box's paragraphs
follow the paragraph that anchored it.

The body is walked in the order of the text model (``_stories``), so the
n-th body paragraph met takes the n-th text. A table that is not plain (rows
or cells wrapped in content controls or custom XML, spans or row margins that
are not numbers, more columns than Word allows) is written as paragraphs
instead, the way its text was read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from ._atoms import LINE_SEPARATOR, paragraph_text
from ._package import open_document, save_document
from ._textboxes import text_boxes
from ._xml import MC_FALLBACK, W_P, W_SECT_PR, W_TC, W_VAL, Element, whole_number
from .model import Reach
from .reader import default_style_name, named_styles, paragraph_style_id, paragraph_style_names
from .templates import BodyWriter, TemplateStyles, clear_body, end_with_paragraph

W_TBL = qn("w:tbl")
W_TBL_PR = qn("w:tblPr")
W_TBL_STYLE = qn("w:tblStyle")
W_TBL_GRID = qn("w:tblGrid")
W_GRID_COL = qn("w:gridCol")
W_TR = qn("w:tr")
W_TR_PR = qn("w:trPr")
W_TC_PR = qn("w:tcPr")
W_GRID_SPAN = qn("w:gridSpan")
W_GRID_BEFORE = qn("w:gridBefore")
W_GRID_AFTER = qn("w:gridAfter")
W_V_MERGE = qn("w:vMerge")
# Range markup Word may put between rows and cells; it shows nothing.
_MARKS = frozenset(
    qn(f"w:{name}")
    for name in (
        "bookmarkStart",
        "bookmarkEnd",
        "commentRangeStart",
        "commentRangeEnd",
        "permStart",
        "permEnd",
        "proofErr",
    )
)
# What a plain table holds besides its rows, and a row besides its cells.
_TABLE_PARTS = frozenset({W_TBL_PR, W_TBL_GRID, W_TR}) | _MARKS
_ROW_PARTS = frozenset({qn("w:tblPrEx"), W_TR_PR, W_TC}) | _MARKS
# Word's own limit; a wider grid (only a crafted file has one) is written as paragraphs.
MAX_COLUMNS = 63


class TextCountMismatch(ValueError):
    """The texts given are not one per body paragraph of the document."""


def restyle(
    template: bytes, source: bytes, texts: Sequence[str], reach: Reach = Reach.ALL
) -> tuple[bytes, list[str]]:
    """``source``'s body with ``texts`` (one per body paragraph, in order) in ``template``.

    Returns the document and the paragraph style names the template lacks,
    in order of first use: their paragraphs use ``Normal`` instead.
    """
    document = open_document(template)
    original = open_document(source)
    clear_body(document)
    writer = _Writer(
        styles=TemplateStyles(document),
        style_names=paragraph_style_names(original),
        default_style=default_style_name(original),
        table_styles=_table_style_names(original),
        texts=iter(texts),
        boxes=reach is Reach.ALL,
    )
    writer.blocks(original.element.body, _BodyTarget(BodyWriter(document)))
    if writer.used != len(texts):
        raise TextCountMismatch(
            f"{len(texts)} texts for a document body of {writer.used} paragraphs"
        )
    end_with_paragraph(document, writer.styles, writer.default_style)
    return save_document(document), writer.styles.missing


class _Target(Protocol):
    """Where blocks go: the document's body or a table cell."""

    def paragraph(self) -> Paragraph: ...

    def table(self, rows: int, cols: int) -> Table: ...


@dataclass(slots=True)
class _BodyTarget:
    body: BodyWriter

    def paragraph(self) -> Paragraph:
        return self.body.paragraph()

    def table(self, rows: int, cols: int) -> Table:
        return self.body.table(rows, cols)


@dataclass(slots=True)
class _CellTarget:
    """A cell starts with one empty paragraph, and python-docx adds one after a
    nested table (Word wants a cell to end with a paragraph): each is used by
    the next paragraph written, so the cell holds as many as the source's."""

    cell: _Cell
    spare: Paragraph | None = None

    def __post_init__(self) -> None:
        self.spare = self.cell.paragraphs[0]

    def paragraph(self) -> Paragraph:
        spare, self.spare = self.spare, None
        return spare if spare is not None else self.cell.add_paragraph()

    def table(self, rows: int, cols: int) -> Table:
        if self.spare is not None:  # the table goes first in the cell
            self.spare._p.getparent().remove(self.spare._p)
        table = self.cell.add_table(rows, cols)
        self.spare = self.cell.paragraphs[-1]
        return table


@dataclass(slots=True)
class _Writer:
    styles: TemplateStyles
    style_names: dict[str, str]  # the source's paragraph style ids to names
    default_style: str
    table_styles: dict[str, str]  # the source's table style ids to names
    texts: Iterator[str]
    boxes: bool  # whether text boxes are read (see Reach)
    used: int = 0

    def blocks(self, container: Element, target: _Target, *, read: bool = True) -> None:
        """Write the blocks of ``container``; those not ``read`` into the text keep their own."""
        for child in container:
            tag = child.tag
            if tag == W_P:
                self.paragraph(child, target, read=read)
                for box in text_boxes(child):  # right after it, as it is read
                    self.blocks(box, target, read=read and self.boxes)
            elif tag == W_TBL and _is_plain(child):
                self.table(child, target, read=read)
            elif isinstance(tag, str) and tag not in (MC_FALLBACK, W_SECT_PR):
                self.blocks(child, target, read=read)  # read through, as the text model does

    def paragraph(self, source: Element, target: _Target, *, read: bool) -> None:
        text = next(self.texts, None) if read else paragraph_text(source)
        if text is None:
            raise TextCountMismatch("fewer texts than the document body has paragraphs")
        if read:
            self.used += 1
        paragraph = target.paragraph()
        name = self.style_names.get(paragraph_style_id(source) or "", self.default_style)
        self.styles.apply(paragraph, name)
        if text:
            paragraph.add_run(text.replace(LINE_SEPARATOR, "\n"))

    def table(self, source: Element, target: _Target, *, read: bool) -> None:
        rows = source.findall(W_TR)
        table = target.table(len(rows), _columns(source, rows))
        self.styles.style_table(table, self.table_styles.get(_table_style_id(source) or ""))
        for tr, row in zip(table._tbl.tr_lst, rows, strict=True):
            _leave_empty(tr, *_margins(row))
        placed, merges = _lay_out(rows, len(table.columns))
        _merge(table, merges)
        rows_written = table._tbl.tr_lst
        for source_cell, row, column in placed:
            cell = _Cell(rows_written[row].tc_at_grid_offset(column), table)
            self.blocks(source_cell, _CellTarget(cell), read=read)


def _is_plain(table: Element) -> bool:
    """A table rebuilt as a table: rows straight under it, cells straight under the rows,
    spans and row margins that are numbers, and no wider than Word allows."""
    if any(isinstance(c.tag, str) and c.tag not in _TABLE_PARTS for c in table):
        return False
    rows = table.findall(W_TR)
    if not rows:
        return False
    for row in rows:
        if any(isinstance(c.tag, str) and c.tag not in _ROW_PARTS for c in row):
            return False
        margins = _row_margins(row)
        spans = [_span(cell) for cell in row.findall(W_TC)]
        if margins is None or not spans or None in spans:
            return False
        if sum(margins) + sum(s for s in spans if s) > MAX_COLUMNS:
            return False
    return _declared_columns(table) <= MAX_COLUMNS


def _row_margins(row: Element) -> tuple[int, int] | None:
    """The grid columns a row leaves without cells before and after its own
    (``w:gridBefore``, ``w:gridAfter``); None if either is not a number."""
    properties = row.find(W_TR_PR)
    margins = []
    for tag in (W_GRID_BEFORE, W_GRID_AFTER):
        element = properties.find(tag) if properties is not None else None
        margin = 0 if element is None else whole_number(element.get(W_VAL), digits=2)
        if margin is None:
            return None
        margins.append(margin)
    return margins[0], margins[1]


def _margins(row: Element) -> tuple[int, int]:
    """A plain table's row margins (a plain table's are numbers)."""
    return _row_margins(row) or (0, 0)


def _leave_empty(tr: Element, before: int, after: int) -> None:
    """Remove the new row's first ``before`` and last ``after`` cells, as the source's
    row leaves those grid columns without cells."""
    cells = tr.tc_lst
    if before:
        tr.get_or_add_trPr().get_or_add_gridBefore().val = before
    if after:
        tr.get_or_add_trPr().get_or_add_gridAfter().val = after
    for tc in cells[:before] + cells[len(cells) - after :]:
        tr.remove(tc)


def _span(cell: Element) -> int | None:
    """How many grid columns a cell spans; None if its ``w:gridSpan`` is not a number."""
    value = _cell_property(cell, W_GRID_SPAN)
    if value is None:
        return 1
    return whole_number(value, digits=3) or None


def _cell_property(cell: Element, tag: str) -> str | None:
    properties = cell.find(W_TC_PR)
    element = properties.find(tag) if properties is not None else None
    return None if element is None else element.get(W_VAL, "")


def _declared_columns(table: Element) -> int:
    grid = table.find(W_TBL_GRID)
    return len(grid.findall(W_GRID_COL)) if grid is not None else 0


def _columns(table: Element, rows: list[Element]) -> int:
    used = max(sum(_margins(row)) + sum(_span(c) or 1 for c in row.findall(W_TC)) for row in rows)
    return max(_declared_columns(table), used, 1)


@dataclass(slots=True)
class _Merge:
    """A rectangle of the new table's grid to make one cell: rows and columns, both inclusive."""

    top: int
    left: int
    bottom: int
    right: int


def _lay_out(
    rows: list[Element], columns: int
) -> tuple[list[tuple[Element, int, int]], list[_Merge]]:
    """Each source cell with its row and grid column, and the cells the source merges.

    A cell spanning columns is merged across them. A cell that continues a
    vertical merge (``w:vMerge`` without ``restart``) joins the merge of the
    cell right above it if it spans the same columns; otherwise it is a cell
    of its own, as it is in the text model. Every merge is found before any
    is made, so that each is made once, however many rows it runs down.
    """
    placed: list[tuple[Element, int, int]] = []
    merges: list[_Merge] = []
    above: dict[int, _Merge] = {}  # grid column -> the open vertical merge in the row above
    for r, row in enumerate(rows):
        here: dict[int, _Merge] = {}
        column = _margins(row)[0]
        for cell in row.findall(W_TC):
            last = min(column + (_span(cell) or 1), columns) - 1
            vertical = _cell_property(cell, W_V_MERGE)
            merge = above.get(column)
            if vertical not in (None, "restart") and merge is not None and merge.right == last:
                merge.bottom = r
                here[column] = merge
            else:
                merge = _Merge(r, column, r, last)
                merges.append(merge)
                if vertical == "restart":
                    here[column] = merge
            placed.append((cell, r, column))
            column = last + 1
        above = here
    return placed, [m for m in merges if (m.top, m.left) != (m.bottom, m.right)]


def _merge(table: Table, merges: list[_Merge]) -> None:
    """Make each merge, row by row, as Word writes one: in each row a cell spanning the
    merge's columns, marked as starting or continuing a vertical merge.

    The merges never overlap, and the new table's cells are empty, so nothing
    moves. python-docx's own ``merge`` recurses once per row (a thousand rows
    exceed Python's recursion limit) and finds each cell's row index by
    listing the table's rows (quadratic in rows); this writes the same XML.
    """
    rows = table._tbl.tr_lst
    for m in merges:
        for r in range(m.top, m.bottom + 1):
            tc = rows[r].tc_at_grid_offset(m.left)
            _widen(tc, m.right - m.left + 1)
            if m.bottom > m.top:
                tc.vMerge = "restart" if r == m.top else "continue"


def _widen(tc: Element, columns: int) -> None:
    """Make ``tc`` span ``columns`` grid columns, taking in the empty cells after it."""
    while tc.grid_span < columns:
        following = tc.getnext()
        if tc.width is not None and following.width is not None:
            tc.width = tc.width + following.width
        tc.grid_span += following.grid_span
        tc.getparent().remove(following)


def _table_style_id(table: Element) -> str | None:
    properties = table.find(W_TBL_PR)
    style = properties.find(W_TBL_STYLE) if properties is not None else None
    return None if style is None else style.get(W_VAL)


def _table_style_names(document: Document) -> dict[str, str]:
    return {style_id: name for name, style_id in named_styles(document, WD_STYLE_TYPE.TABLE)}
