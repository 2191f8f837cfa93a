"""Reading a ``.docx`` into the paragraphs the engines refine."""

from __future__ import annotations

from collections.abc import Iterator

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE

from ._atoms import paragraph_text
from ._package import open_document
from ._stories import iter_paragraphs
from ._xml import W_ILVL, W_NUM_PR, W_P_STYLE, W_PPR, W_VAL, Element, whole_number
from .model import DocxParagraph, DocxText, Reach


def read_docx(data: bytes, reach: Reach = Reach.ALL) -> DocxText:
    """Every paragraph of the document, after ``check_docx`` (raises ``DocxRejected``)."""
    return read_document(open_document(data), reach)


def read_docx_as_stored(data: bytes, original: str | None) -> tuple[Reach, DocxText]:
    """The document's paragraphs in the reach it was read in when it came: the
    first whose text is ``original`` (its pass 0), else ``Reach.ALL``. Opened once.

    Documents read before footnotes, endnotes and text boxes were read have
    ``Reach.MAIN``.
    """
    document = open_document(data)
    for reach in Reach:
        read = read_document(document, reach)
        if original is None or read.joined() == original:
            return reach, read
    return Reach.ALL, read_document(document, Reach.ALL)


def read_document(document: Document, reach: Reach = Reach.ALL) -> DocxText:
    names = paragraph_style_names(document)
    default = default_style_name(document)
    paragraphs = tuple(
        DocxParagraph(
            part=located.part,
            section=located.section,
            style=names.get(paragraph_style_id(located.element) or "", default),
            text=paragraph_text(located.element),
            in_table=located.in_table,
            list_level=_list_level(located.element),
        )
        for located in iter_paragraphs(document, reach)
    )
    return DocxText(paragraphs)


def paragraph_style_names(document: Document) -> dict[str, str]:
    """Paragraph style id to name ("heading1" to "Heading 1")."""
    return {style_id: name for name, style_id in named_styles(document, WD_STYLE_TYPE.PARAGRAPH)}


def named_styles(document: Document, kind: WD_STYLE_TYPE) -> Iterator[tuple[str, str]]:
    """The name and id of each style of ``kind``; one without a name cannot be asked for."""
    for style in document.styles:
        if style.type == kind and style.name is not None:
            yield style.name, style.style_id


def default_style_name(document: Document) -> str:
    style = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    return style.name if style is not None and style.name else "Normal"


def paragraph_style_id(paragraph: Element) -> str | None:
    properties = paragraph.find(W_PPR)
    style = properties.find(W_P_STYLE) if properties is not None else None
    return None if style is None else style.get(W_VAL)


def _list_level(paragraph: Element) -> int | None:
    properties = paragraph.find(W_PPR)
    numbering = properties.find(W_NUM_PR) if properties is not None else None
    if numbering is None:
        return None
    level = numbering.find(W_ILVL)
    value = level.get(W_VAL) if level is not None else None
    return whole_number(value, digits=2) or 0
