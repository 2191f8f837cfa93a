"""The baseline of ``bench.docx_speed``'s Markdown cases: Markdown written run by run
through python-docx's API (``add_run``, then ``bold``, ``italic``, ``font``...),
as the service wrote it before it wrote runs as XML text. Kept as it was,
with its imports made absolute, so that both are timed in the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from markdown_it import MarkdownIt
from markdown_it.token import Token

from service.documents.docx._package import open_document, save_document
from service.documents.docx.templates import (
    FALLBACK_STYLE,
    BodyWriter,
    TemplateStyles,
    clear_body,
    end_with_paragraph,
)

_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
# Word's own look for a link, where the template has no "Hyperlink" style.
_LINK_BLUE = RGBColor(0x05, 0x63, 0xC1)
_CODE_FONT = "Courier New"
# A table column's alignment, from the colons of its delimiter row.
_ALIGNMENTS = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
_DEEPEST_LIST_STYLE = 3  # Word's built-in list styles go to "List Bullet 3"


def write_markdown(template: bytes, text: str) -> tuple[bytes, list[str]]:
    """``text`` as the body of ``template``; also the style names it lacks."""
    document = open_document(template)
    clear_body(document)
    writer = _Writer(document, TemplateStyles(document), BodyWriter(document))
    writer.blocks(_PARSER.parse(text))
    end_with_paragraph(document, writer.styles, FALLBACK_STYLE)
    return save_document(document), writer.styles.missing


def markdown_markup(text: str) -> list[tuple[object, ...]]:
    """The text's structure and markup without its words: two texts with equal
    markup render to the same Word formatting, whatever their words."""
    return [_markup(token) for token in _PARSER.parse(text)]


def _markup(token: Token) -> tuple[object, ...]:
    children = tuple(_markup(child) for child in token.children or [])
    attrs = tuple(sorted((str(k), str(v)) for k, v in token.attrs.items()))
    return (token.type, token.tag, token.markup, token.info, attrs, children)


def _style_numbering(style: Any) -> Any:
    """The ``w:numPr`` a paragraph style numbers with, its own or its base's."""
    while style is not None:
        properties = style.element.pPr
        numbered = properties.numPr if properties is not None else None
        if numbered is not None and numbered.numId is not None:
            return numbered
        style = style.base_style
    return None


@dataclass(slots=True)
class _Formatting:
    bold: bool = False
    italic: bool = False
    strike: bool = False
    link: str | None = None


@dataclass(slots=True)
class _List:
    ordered: bool
    start: int = 1
    count: tuple[int, int] | None = None  # its own numbering (numId, level), once made
    item_started: bool = False  # whether its open item has had its first paragraph


@dataclass(slots=True)
class _Writer:
    document: Document
    styles: TemplateStyles
    body: BodyWriter
    lists: list[_List] = field(default_factory=list)  # the open lists, outermost first
    quotes: int = 0

    def blocks(self, tokens: Sequence[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "table_open":
                index = self.table(tokens, index)
                continue
            if kind == "heading_open":
                level = int(token.tag[1:])
                self.paragraph(tokens[index + 1], f"Heading {level}")
                index += 2
            elif kind == "paragraph_open":
                starts_item = bool(self.lists) and not self.lists[-1].item_started
                paragraph = self.paragraph(tokens[index + 1], *self.block_style())
                if starts_item and self.lists[-1].ordered:
                    self.number(paragraph, self.lists[-1])
                index += 2
            elif kind in ("fence", "code_block"):
                self.code(token.content)
            elif kind == "bullet_list_open":
                self.lists.append(_List(ordered=False))
            elif kind == "ordered_list_open":
                start = str(token.attrs.get("start", "1"))
                self.lists.append(_List(ordered=True, start=int(start) if start.isdecimal() else 1))
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                self.lists[-1].item_started = False
            elif kind == "blockquote_open":
                self.quotes += 1
            elif kind == "blockquote_close":
                self.quotes -= 1
            index += 1

    def block_style(self) -> tuple[str, ...]:
        """The style of a paragraph where the blocks now stand, and what may stand in."""
        if self.lists:
            depth = min(len(self.lists), _DEEPEST_LIST_STYLE)
            suffix = "" if depth == 1 else f" {depth}"
            if self.lists[-1].item_started:
                kind = "List Continue"
            else:
                self.lists[-1].item_started = True
                kind = "List Number" if self.lists[-1].ordered else "List Bullet"
            return (f"{kind}{suffix}", kind) if suffix else (kind,)
        return ("Quote",) if self.quotes else (FALLBACK_STYLE,)

    def add_paragraph(self, style: str, *alternatives: str) -> Paragraph:
        paragraph = self.body.paragraph()
        self.styles.apply(paragraph, style, *alternatives)
        return paragraph

    def paragraph(self, inline: Token, style: str, *alternatives: str) -> Paragraph:
        paragraph = self.add_paragraph(style, *alternatives)
        self.runs(paragraph, inline.children or [])
        return paragraph

    def number(self, paragraph: Paragraph, open_list: _List) -> None:
        """Number an item in its own list's count: every list starts anew, at its start.

        A numbered style counts on across the whole document; each list gets
        a numbering instance of the style's own definition, restarted.
        """
        if open_list.count is None:
            open_list.count = self.new_count(paragraph, open_list.start)
        if open_list.count is None:
            return  # the style numbers nothing: the template decides
        num_id, level = open_list.count
        numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        numbering.get_or_add_ilvl().val = level
        numbering.get_or_add_numId().val = num_id

    def new_count(self, paragraph: Paragraph, start: int) -> tuple[int, int] | None:
        numbered = _style_numbering(paragraph.style)
        if numbered is None:
            return None
        try:
            definitions = self.document.part.numbering_part.element
            abstract = definitions.num_having_numId(numbered.numId.val).abstractNumId.val
        except (KeyError, NotImplementedError):  # no such numbering, or none at all
            return None
        level = numbered.ilvl.val if numbered.ilvl is not None else 0
        count = definitions.add_num(abstract)
        count.add_lvlOverride(ilvl=level).add_startOverride(start)
        return int(count.numId), int(level)

    def code(self, content: str) -> None:
        paragraph = self.add_paragraph("macro", "No Spacing")
        lines = content.rstrip("\n").split("\n")
        for number, line in enumerate(lines):
            run = paragraph.add_run(line)
            run.font.name = _CODE_FONT
            if number < len(lines) - 1:
                run.add_break()

    def runs(self, paragraph: Paragraph, children: Sequence[Token]) -> None:
        formatting = _Formatting()
        in_link: list[Run] = []  # every run made since the open link began, in order
        for child in children:
            kind = child.type
            made: Run | None = None
            if kind in ("text", "image"):  # an image shows its alternative text
                made = self.run(paragraph, child.content, formatting)
            elif kind == "code_inline":
                made = self.run(paragraph, child.content, formatting)
                if made is not None:
                    made.font.name = _CODE_FONT
            elif kind == "softbreak":
                made = self.run(paragraph, " ", formatting)
            elif kind == "hardbreak":
                made = paragraph.add_run()
                made.add_break()
            elif kind in ("strong_open", "strong_close"):
                formatting.bold = kind == "strong_open"
            elif kind in ("em_open", "em_close"):
                formatting.italic = kind == "em_open"
            elif kind in ("s_open", "s_close"):
                formatting.strike = kind == "s_open"
            elif kind == "link_open":
                formatting.link = str(child.attrs.get("href", ""))
                in_link = []
            elif kind == "link_close":
                if formatting.link and in_link:
                    self.hyperlink(paragraph, formatting.link, in_link)
                formatting.link = None
            if made is not None and formatting.link is not None:
                in_link.append(made)

    def run(self, paragraph: Paragraph, text: str, formatting: _Formatting) -> Run | None:
        if not text:
            return None
        run = paragraph.add_run(text)
        run.bold = formatting.bold or None
        run.italic = formatting.italic or None
        if formatting.strike:
            run.font.strike = True
        return run

    def hyperlink(self, paragraph: Paragraph, url: str, runs: list[Run]) -> None:
        """Move ``runs`` into a ``w:hyperlink`` pointing at ``url``."""
        relationship = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), relationship)
        runs[0]._r.addprevious(link)
        for run in runs:
            if not self.styles.apply_to_run(run, "Hyperlink"):
                run.font.underline = True
                run.font.color.rgb = _LINK_BLUE
            link.append(run._r)

    def table(self, tokens: Sequence[Token], start: int) -> int:
        """Write the table opened at ``start``; the index after its end."""
        rows: list[list[tuple[Token, Token]]] = []  # each cell's opening and inline tokens
        index = start + 1
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "tr_open":
                rows.append([])
            elif token.type in ("th_open", "td_open"):
                rows[-1].append((token, tokens[index + 1]))
            index += 1
        columns = max((len(row) for row in rows), default=1)
        table = self.body.table(len(rows), columns)
        self.styles.style_table(table, None)
        # The new table's rows and cells are read straight from its XML: python-docx's
        # ``table.cell()`` lists every cell of the table on each call. A short row
        # leaves its last cells empty.
        for tr, row in zip(table._tbl.tr_lst, rows, strict=True):
            for tc, (opening, inline) in zip(tr.tc_lst, row, strict=False):
                # A cell of a Markdown table holds one line: its own first paragraph.
                paragraph = _Cell(tc, table).paragraphs[0]
                self.styles.apply(paragraph, FALLBACK_STYLE)
                self.runs(paragraph, inline.children or [])
                align = str(opening.attrs.get("style", "")).removeprefix("text-align:")
                if align in _ALIGNMENTS:
                    paragraph.alignment = _ALIGNMENTS[align]
                if opening.type == "th_open":
                    for run in paragraph.runs:
                        run.bold = True
        return index + 1
