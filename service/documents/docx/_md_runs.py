"""Paragraphs of Markdown written as XML text, each parsed once into its elements.

Writing each run through python-docx (``add_run``, then ``bold``,
``italic``, ``font.name``...) walks the run's children for every property
it sets, in Python: tens of microseconds a run, most of the time a
document dense in markup took. A Markdown document uses a handful of looks
(bold or not, italic or not, code, in a link...) and of paragraph styles:
each look's run properties and each style's paragraph properties are made
once, the python-docx way, and kept as XML text. A paragraph is then its
runs' text joined and parsed by lxml at once: the same XML, for a fraction
of the cost.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from docx.enum.text import WD_PARAGRAPH_ALIGNMENT
from docx.oxml.ns import nsdecls
from docx.oxml.parser import parse_xml
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from ._xml import W_PPR, W_RPR, Element, new_element

if TYPE_CHECKING:
    from .templates import TemplateStyles

# Word's own look for a link, where the template has no "Hyperlink" style.
LINK_BLUE = RGBColor(0x05, 0x63, 0xC1)
CODE_FONT = "Courier New"
_OPEN_PARAGRAPH = f"<w:p {nsdecls('w', 'r')}>"
_DECLARATIONS = (f" {nsdecls('w')}", f" {nsdecls('r')}")
_LINE_BREAK = "<w:br/>"
_TAB = "<w:tab/>"
# What python-docx turns into elements of their own when it sets a run's text.
_SPECIAL = re.compile("([\t\r\n])")


# How a run looks, what its properties (``w:rPr``) say: a sum of these flags
# (plain numbers, as the writer changes the look at every mark of emphasis).
Look = int
PLAIN: Look = 0
BOLD: Look = 1
ITALIC: Look = 2
STRIKE: Look = 4
CODE: Look = 8
LINK: Look = 16  # styled as a link


class ParagraphXml:
    """One paragraph's XML, as text, while its runs are written."""

    __slots__ = ("parts",)

    def __init__(self, properties: str) -> None:
        self.parts = [_OPEN_PARAGRAPH, properties]

    def mark(self) -> int:
        """Where the next run will go: a link around what follows begins here."""
        return len(self.parts)

    def wrap_link(self, start: int, relationship: str) -> None:
        """Put every run written since ``start`` into a ``w:hyperlink``."""
        self.parts.insert(start, f'<w:hyperlink r:id="{_escape(relationship)}">')
        self.parts.append("</w:hyperlink>")

    def element(self) -> Element:
        self.parts.append("</w:p>")
        return parse_xml("".join(self.parts))


class Runs:
    """Writes runs and paragraphs as XML text, from properties made once per look and style."""

    def __init__(self, styles: TemplateStyles) -> None:
        self._styles = styles
        self._runs: dict[Look, str] = {}
        self._paragraphs: dict[tuple[tuple[str, ...], WD_PARAGRAPH_ALIGNMENT | None], str] = {}
        self._style_ids: dict[tuple[str, ...], str | None] = {}

    def paragraph(
        self,
        style: str,
        *alternatives: str,
        alignment: WD_PARAGRAPH_ALIGNMENT | None = None,
        numbering: tuple[int, int] | None = None,
    ) -> ParagraphXml:
        """A paragraph in the first of the styles the template has (as ``styles.apply``),
        aligned as ``alignment`` says and numbered in ``numbering`` (numId, level)."""
        properties = self._properties_of(style, alternatives, alignment)
        if numbering is not None:
            num_id, level = numbering
            numbered = (
                f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr>'
            )
            if properties.endswith("/>"):
                properties = properties[:-2] + ">" + numbered
            else:
                properties = properties.removesuffix("</w:pPr>") + numbered
        return ParagraphXml(properties)

    def style_id(self, style: str, *alternatives: str) -> str | None:
        """The id of the style a paragraph of ``style`` gets (None: the default style)."""
        self._properties_of(style, alternatives, None)
        return self._style_ids[(style, *alternatives)]

    def _properties_of(
        self, style: str, alternatives: tuple[str, ...], alignment: WD_PARAGRAPH_ALIGNMENT | None
    ) -> str:
        key = (style, *alternatives)
        properties = self._paragraphs.get((key, alignment))
        if properties is None:
            p = new_element("w:p")
            paragraph = Paragraph(p, None)  # type: ignore[arg-type]
            self._styles.apply(paragraph, style, *alternatives)
            self._style_ids[key] = p.style
            if alignment is not None:
                paragraph.alignment = alignment
            properties = _xml(p.find(W_PPR))
            self._paragraphs[(key, alignment)] = properties
        return properties

    def text(self, paragraph: ParagraphXml, text: str, look: Look) -> None:
        """A run of ``text``, as ``add_run(text)`` and then setting ``look`` would make it."""
        paragraph.parts.append(self._opening(look) + _text(text) + "</w:r>")

    def bare_text(self, paragraph: ParagraphXml, text: str) -> None:
        """A run of ``text`` without properties, as ``add_run(text)`` makes it."""
        paragraph.parts.append("<w:r>" + _text(text) + "</w:r>")

    def line_break(self, paragraph: ParagraphXml, look: Look) -> None:
        """A run holding a line break (``add_run().add_break()``), in ``look``."""
        opening = self._opening(look) if look else "<w:r>"
        paragraph.parts.append(opening + _LINE_BREAK + "</w:r>")

    def code_line(self, paragraph: ParagraphXml, line: str, *, broken: bool) -> None:
        """A line of a code block, and a break after it when another follows."""
        end = _LINE_BREAK + "</w:r>" if broken else "</w:r>"
        paragraph.parts.append(self._opening(CODE) + _text(line) + end)

    def _opening(self, look: Look) -> str:
        opening = self._runs.get(look)
        if opening is None:
            opening = "<w:r>" + _xml(self._properties(look)._r.find(W_RPR))
            self._runs[look] = opening
        return opening

    def _properties(self, look: Look) -> Run:
        """An empty run with ``look``, its properties set as python-docx sets them.

        A code block's line had only its font set, and an inline code span its
        bold and italic (none) first: both give the same ``w:rPr``. A line
        break in a link had only the link's style: so has a link's text.
        """
        run = Run(new_element("w:r"), None)  # type: ignore[arg-type]
        run.bold = bool(look & BOLD) or None
        run.italic = bool(look & ITALIC) or None
        if look & STRIKE:
            run.font.strike = True
        if look & CODE:
            run.font.name = CODE_FONT
        if look & LINK and not self._styles.apply_to_run(run, "Hyperlink"):
            run.font.underline = True
            run.font.color.rgb = LINK_BLUE
        return run


def _xml(element: Element | None) -> str:
    """``element`` as XML text without the namespace declarations the paragraph makes."""
    if element is None:
        return ""
    text: str = etree.tostring(element, encoding="unicode")
    for declaration in _DECLARATIONS:
        text = text.replace(declaration, "")
    return text


def _escape(text: str) -> str:
    """``text`` for an element's content or a quoted attribute."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    )


def _text(text: str) -> str:
    """``text`` as python-docx's ``Run.text`` writes it: a ``w:t`` per stretch of text
    (its edge spaces preserved), ``w:tab`` for a tab, ``w:br`` for a line end."""
    if not text:
        return ""
    if "\t" in text or "\n" in text or "\r" in text:
        return "".join(_stretch(chunk) for chunk in _SPECIAL.split(text))
    return _stretch(text)


def _stretch(chunk: str) -> str:
    if chunk == "\t":
        return _TAB
    if chunk in ("\r", "\n"):
        return _LINE_BREAK
    if not chunk:
        return ""
    if len(chunk.strip()) < len(chunk):
        return f'<w:t xml:space="preserve">{_escape(chunk)}</w:t>'
    return f"<w:t>{_escape(chunk)}</w:t>"
