"""Style templates: writing refined paragraphs into one, and listing a folder of them.

A template keeps its styles, numbering, page setup, headers and footers;
only its body is replaced. The body's final ``w:sectPr`` (the last
section's page setup and header and footer references) stays; section
breaks inside the template's body go with the body.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.exceptions import InvalidXmlError
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from ._atoms import LINE_SEPARATOR
from ._md_parse import Pacer
from ._md_runs import Runs
from ._package import open_document, save_document
from ._xml import W_P, W_SECT_PR, Element, new_element
from .reader import named_styles
from .safety import DocxRejected

FALLBACK_STYLE = "Normal"
# A table whose style the template lacks gets ruled cells rather than none.
FALLBACK_TABLE_STYLE = "Table Grid"
# What may follow ``w:tblBorders`` in a table's properties (ECMA-376, CT_TblPr).
_AFTER_TABLE_BORDERS = (
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)
# A template is read whole; past this it is listed with an error instead.
_MAX_TEMPLATE_BYTES = 50 * 2**20


def write_with_template(
    template: bytes,
    paragraphs: Sequence[tuple[str, str]],
    *,
    checkpoint: Callable[[], None] | None = None,
) -> tuple[bytes, list[str]]:
    """``(style, text)`` pairs as the body of ``template``.

    Returns the document and the style names the template lacks, in order of
    first use: their paragraphs use ``Normal`` instead. ``checkpoint`` is
    called every so often; what it raises stops the writing.
    """
    document = open_document(template)
    clear_body(document)
    fallbacks = fill(document, paragraphs or [(FALLBACK_STYLE, "")], checkpoint=checkpoint)
    return save_document(document), fallbacks


def clear_body(document: Document) -> None:
    """Remove the template's specimen content, keeping the last section's setup."""
    body = document.element.body
    for child in list(body):
        if child.tag != W_SECT_PR:
            body.remove(child)


def end_with_paragraph(document: Document, styles: TemplateStyles, style: str) -> None:
    """Add an empty paragraph in ``style`` to a body that is empty or ends in a table:
    Word ends every body with a paragraph."""
    blocks = [child for child in document.element.body if child.tag != W_SECT_PR]
    if not blocks or blocks[-1].tag != W_P:
        styles.apply(document.add_paragraph(), style)


class BodyWriter:
    """Appends paragraphs and tables to a document's body, before its last ``w:sectPr``.

    python-docx's ``add_paragraph`` looks through the whole body for that
    ``w:sectPr`` on every call, and its ``add_table`` lists the document's
    sections to size the table: both made writing a long body quadratic
    (80,000 paragraphs: six minutes). This finds both once; the XML is the same.
    """

    def __init__(self, document: Document) -> None:
        self._body = document._body
        body = document.element.body
        last = body[-1] if len(body) else None
        self._end = last if last is not None and last.tag == W_SECT_PR else None
        self._element = body
        self._width = document._block_width

    def paragraph(self) -> Paragraph:
        return self.add(new_element("w:p"))

    def add(self, p: Element) -> Paragraph:
        """Append the paragraph ``p``, made elsewhere."""
        self._append(p)
        return Paragraph(p, self._body)

    def table(self, rows: int, cols: int) -> Table:
        tbl = CT_Tbl.new_tbl(rows, cols, self._width)
        self._append(tbl)
        return Table(tbl, self._body)

    def _append(self, block: Element) -> None:
        if self._end is not None:
            self._end.addprevious(block)
        else:
            self._element.append(block)


def fill(
    document: Document,
    paragraphs: Sequence[tuple[str, str]],
    *,
    checkpoint: Callable[[], None] | None = None,
) -> list[str]:
    """Append styled paragraphs to the body; the style names that fell back to ``Normal``.

    Each paragraph is one run without properties, as python-docx's
    ``add_run(text)`` makes it, written as XML text (``_md_runs``): python-docx
    itself handles the text a character at a time.
    """
    styles = TemplateStyles(document)
    body = BodyWriter(document)
    runs = Runs(styles)
    pacer = Pacer(checkpoint, every=256)
    for name, text in paragraphs:
        pacer.tick()
        paragraph = runs.paragraph(name)
        if text:
            runs.bare_text(paragraph, text.replace(LINE_SEPARATOR, "\n"))
        body.add(paragraph.element())
    return styles.missing


class TemplateStyles:
    """A template's styles looked up by name, case-insensitively as a last resort.

    Paragraph styles are resolved to their ids once: python-docx's own
    ``paragraph.style = ...`` scans every style of the template to find the
    default, on each paragraph, which made that most of a document's writing.
    """

    def __init__(self, document: Document) -> None:
        with styles_read():
            self._paragraph = dict(named_styles(document, WD_STYLE_TYPE.PARAGRAPH))  # name -> id
            default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
            self._table = {name for name, _ in named_styles(document, WD_STYLE_TYPE.TABLE)}
            self._character = dict(named_styles(document, WD_STYLE_TYPE.CHARACTER))
        self._folded = {name.casefold(): id_ for name, id_ in self._paragraph.items()}
        # Word applies the default style to a paragraph that names none; so does python-docx.
        self._default_id = None if default is None else default.style_id
        self.missing: list[str] = []  # paragraph style names asked for and not found
        self._table_ids: dict[str, str | None] = {}  # a table style's id, once set by name

    def apply(self, paragraph: Paragraph, name: str, *alternatives: str) -> None:
        """Give ``paragraph`` the style called ``name``, else the first of
        ``alternatives`` the template has, else ``Normal``; ``name`` is noted as
        missing unless it was found."""
        style_id = self._find(name, *alternatives)
        paragraph._p.style = None if style_id == self._default_id else style_id

    def apply_to_run(self, run: Run, name: str) -> bool:
        """Give ``run`` the character style called ``name``; False where the template lacks it."""
        style_id = self._character.get(name)
        if style_id is not None:
            run._r.style = style_id
        return style_id is not None

    def _find(self, name: str, *alternatives: str) -> str | None:
        """The id of the first style the template has, else of ``Normal``."""
        for candidate in (name, *alternatives):
            style_id = self._paragraph.get(candidate) or self._folded.get(candidate.casefold())
            if style_id is not None:
                break
        if (style_id is None or candidate != name) and name not in self.missing:
            self.missing.append(name)
        return style_id if style_id is not None else self._paragraph.get(FALLBACK_STYLE)

    def style_table(self, table: Table, name: str | None) -> None:
        """Give ``table`` the style called ``name``, else the plain grid; where the
        template has neither (Word keeps "Table Grid" latent until it is used),
        rule its cells directly, so that a table never loses its lines."""
        for candidate in (name, FALLBACK_TABLE_STYLE):
            if candidate in self._table:
                if candidate in self._table_ids:
                    # python-docx looks through every style for the default on each table.
                    table._tbl.tblPr.style = self._table_ids[candidate]
                else:
                    table.style = candidate
                    self._table_ids[candidate] = table._tbl.tblPr.style
                return
        borders = new_element("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            line = new_element(f"w:{edge}")
            for attribute, value in (
                ("val", "single"),
                ("sz", "4"),
                ("space", "0"),
                ("color", "auto"),
            ):
                line.set(qn(f"w:{attribute}"), value)
            borders.append(line)
        # In schema order, before the properties that follow it (Word rejects it after them).
        table._tbl.tblPr.insert_element_before(borders, *_AFTER_TABLE_BORDERS)


@contextlib.contextmanager
def styles_read() -> Iterator[None]:
    """Turn what python-docx raises on a styles part Word would not write (a style of
    no known type, a name without a value) into ``DocxRejected``; it reads styles
    only when asked."""
    try:
        yield
    except (ValueError, KeyError, AttributeError, InvalidXmlError) as exc:
        raise DocxRejected(f"the document's styles cannot be read: {exc}") from None


def list_templates(folder: Path) -> list[dict[str, object]]:
    """The ``.docx`` files in ``folder`` (read only), each with its paragraph styles.

    A file that cannot be opened is listed with an ``error`` instead of
    ``styles``. A missing folder lists nothing.
    """
    if not folder.is_dir():
        return []
    listed: list[dict[str, object]] = []
    for path in sorted(folder.glob("*.docx")):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        stat = path.stat()
        entry: dict[str, object] = {
            "name": path.stem,
            "file": path.name,
            "bytes": stat.st_size,
            "modified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds"),
        }
        try:
            entry.update(_describe(path, stat.st_size))
        except (DocxRejected, OSError) as exc:
            entry["error"] = str(exc)
        listed.append(entry)
    return listed


def _describe(path: Path, size: int) -> dict[str, object]:
    if size > _MAX_TEMPLATE_BYTES:
        raise DocxRejected(f"the template is larger than {_MAX_TEMPLATE_BYTES} bytes")
    document = open_document(path.read_bytes())
    with styles_read():
        styles = list(dict(named_styles(document, WD_STYLE_TYPE.PARAGRAPH)))
    return {
        "title": document.core_properties.title or "",
        "description": document.core_properties.subject or "",
        "styles": styles,
    }
