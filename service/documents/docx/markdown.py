"""Markdown written into a style template as Word paragraphs, runs and tables.

markdown-it-py parses the text (CommonMark, with tables and strikethrough),
and each block becomes what Word has for it: headings, list items (nested
ones in the "List Bullet 2" styles), block quotes and code blocks take the
template's styles of those names; emphasis, strong, strikethrough and code
become run formatting; links become hyperlinks; a table becomes a table,
its header row in bold and its columns aligned as the colons say. Raw HTML
stays as text, and images show their alternative text: nothing is fetched.
A style the template lacks falls back to a plainer one ("List Bullet 2" to
"List Bullet", a code block's "macro" to "No Spacing") and then to
``Normal``.

A text of more than ``MAX_ELEMENTS`` tokens is refused while it is parsed
(``_md_parse``). Paragraphs are written as XML text from run and paragraph
properties made once through python-docx (``_md_runs``): the same XML as
python-docx's run API writes, for a fraction of its cost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ._md_lists import ListCounts
from ._md_parse import MAX_ELEMENTS, Pacer, capped_parser, parse
from ._md_runs import BOLD, CODE, ITALIC, LINK, PLAIN, STRIKE, ParagraphXml, Runs
from ._package import open_document, save_document
from ._xml import W_P
from .templates import (
    FALLBACK_STYLE,
    BodyWriter,
    TemplateStyles,
    clear_body,
    end_with_paragraph,
)

_PARSER = capped_parser(
    MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
)
# A table column's alignment, from the colons of its delimiter row.
_ALIGNMENTS = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
# The marks that change a run's look: which flag, and whether they set it.
_LOOKS = {
    "strong_open": (BOLD, True),
    "strong_close": (BOLD, False),
    "em_open": (ITALIC, True),
    "em_close": (ITALIC, False),
    "s_open": (STRIKE, True),
    "s_close": (STRIKE, False),
}
_DEEPEST_LIST_STYLE = 3  # Word's built-in list styles go to "List Bullet 3"


def write_markdown(
    template: bytes,
    text: str,
    *,
    limit: int = MAX_ELEMENTS,
    checkpoint: Callable[[], None] | None = None,
) -> tuple[bytes, list[str]]:
    """``text`` as the body of ``template``; also the style names it lacks.

    Raises ``TooManyElements`` for a text of more than ``limit`` elements,
    before any is written. ``checkpoint`` is called every so often while the
    text is parsed and written; what it raises stops the writing.
    """
    tokens = parse(_PARSER, text, limit=limit, checkpoint=checkpoint)
    document = open_document(template)
    clear_body(document)
    styles = TemplateStyles(document)
    writer = _Writer(
        document,
        styles,
        BodyWriter(document),
        Runs(styles),
        Pacer(checkpoint),
        ListCounts(document),
    )
    writer.blocks(tokens)
    end_with_paragraph(document, writer.styles, FALLBACK_STYLE)
    return save_document(document), writer.styles.missing


def markdown_markup(text: str) -> list[tuple[object, ...]]:
    """The text's structure and markup without its words: two texts with equal
    markup render to the same Word formatting, whatever their words. Raises
    ``TooManyElements`` past ``MAX_ELEMENTS``, as rendering does."""
    return [_markup(token) for token in parse(_PARSER, text)]


def _markup(token: Token) -> tuple[object, ...]:
    children = tuple(_markup(child) for child in token.children or [])
    attrs = tuple(sorted((str(k), str(v)) for k, v in token.attrs.items()))
    return (token.type, token.tag, token.markup, token.info, attrs, children)


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
    made: Runs
    pacer: Pacer
    counts: ListCounts
    lists: list[_List] = field(default_factory=list)  # the open lists, outermost first
    quotes: int = 0
    links: dict[str, str] = field(default_factory=dict)  # a link's relationship id by URL

    def blocks(self, tokens: Sequence[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            self.pacer.tick()
            if kind == "table_open":
                index = self.table(tokens, index)
                continue
            if kind == "heading_open":
                level = int(token.tag[1:])
                self.paragraph(tokens[index + 1], f"Heading {level}", numbering=None)
                index += 2
            elif kind == "paragraph_open":
                starts_item = bool(self.lists) and not self.lists[-1].item_started
                style = self.block_style()
                numbering = None
                if starts_item and self.lists[-1].ordered:
                    numbering = self.count(self.lists[-1], style)
                self.paragraph(tokens[index + 1], *style, numbering=numbering)
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

    def paragraph(
        self, inline: Token, style: str, *alternatives: str, numbering: tuple[int, int] | None
    ) -> None:
        paragraph = self.made.paragraph(style, *alternatives, numbering=numbering)
        self.runs(paragraph, inline.children or [])
        self.body.add(paragraph.element())

    def count(self, open_list: _List, style: tuple[str, ...]) -> tuple[int, int] | None:
        """The numbering of a list's items: every list starts anew, at its start."""
        if open_list.count is None:
            open_list.count = self.counts.new(self.made.style_id(*style), open_list.start)
        return open_list.count

    def code(self, content: str) -> None:
        paragraph = self.made.paragraph("macro", "No Spacing")
        lines = content.rstrip("\n").split("\n")
        for number, line in enumerate(lines):
            self.pacer.tick()
            self.made.code_line(paragraph, line, broken=number < len(lines) - 1)
        self.body.add(paragraph.element())

    def runs(
        self, paragraph: ParagraphXml, children: Sequence[Token], *, header: bool = False
    ) -> None:
        """Write the runs of ``children``; in a ``header`` cell, bold but for a link's
        (python-docx once bolded a header cell's runs afterwards, and saw no link's)."""
        made = self.made
        look = shown = BOLD if header else PLAIN  # the marks' look, and the runs' look
        link: str | None = None  # the open link's target
        link_start = 0  # where the open link's runs begin in the paragraph
        linked = False  # whether the open link has a run
        for child in children:
            self.pacer.tick()
            kind = child.type
            if kind in ("text", "image"):  # an image shows its alternative text
                if child.content:
                    made.text(paragraph, child.content, shown)
                    linked = True
                continue
            if kind == "code_inline":
                if child.content:
                    made.text(paragraph, child.content, shown | CODE)
                    linked = True
            elif kind == "softbreak":
                made.text(paragraph, " ", shown)
                linked = True
            elif kind == "hardbreak":  # a run of its own: only a link's look, or a header's
                made.line_break(paragraph, shown & (BOLD | LINK) if header else look & LINK)
                linked = True
            elif kind in _LOOKS:
                flag, on = _LOOKS[kind]
                look = look | flag if on else look & ~flag
            elif kind == "link_open":
                link = str(child.attrs.get("href", ""))
                link_start, linked = paragraph.mark(), False
                look = look | LINK if link else look
            elif kind == "link_close":
                if link and linked:
                    paragraph.wrap_link(link_start, self.relationship(link))
                link, look = None, look & ~LINK
            shown = look | BOLD if header and not look & LINK else look

    def relationship(self, url: str) -> str:
        """The id of the document's relationship to ``url``, made on first use."""
        relationship = self.links.get(url)
        if relationship is None:
            relationship = self.document.part.relate_to(url, RT.HYPERLINK, is_external=True)
            self.links[url] = relationship
        return relationship

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
                # A cell of a Markdown table holds one line: its own first paragraph,
                # replaced. A header cell's runs are bold, but for a link's.
                align = str(opening.attrs.get("style", "")).removeprefix("text-align:")
                written = self.made.paragraph(FALLBACK_STYLE, alignment=_ALIGNMENTS.get(align))
                self.runs(written, inline.children or [], header=opening.type == "th_open")
                empty = tc.find(W_P)
                empty.addprevious(written.element())
                tc.remove(empty)
        return index + 1
