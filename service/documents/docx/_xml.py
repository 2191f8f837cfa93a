"""WordprocessingML names and the few element helpers the other modules share.

Elements are python-docx's lxml elements: its parser (``docx.oxml.parser``)
is built with ``resolve_entities=False`` and lxml's defaults of no network
access and no huge trees, so no part of an uploaded file can pull in an
external entity or expand one.
"""

from __future__ import annotations

from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# An lxml element of a python-docx part; lxml ships no type information.
Element = Any

W_P = qn("w:p")
W_PPR = qn("w:pPr")
W_R = qn("w:r")
W_RPR = qn("w:rPr")
W_T = qn("w:t")
W_TAB = qn("w:tab")
W_PTAB = qn("w:ptab")
W_BR = qn("w:br")
W_CR = qn("w:cr")
W_NO_BREAK_HYPHEN = qn("w:noBreakHyphen")
W_DEL = qn("w:del")
W_INS = qn("w:ins")
W_DEL_TEXT = qn("w:delText")
W_MOVE_FROM = qn("w:moveFrom")
W_TC = qn("w:tc")
W_SECT_PR = qn("w:sectPr")
W_P_STYLE = qn("w:pStyle")
W_NUM_PR = qn("w:numPr")
W_ILVL = qn("w:ilvl")
W_SDT_PR = qn("w:sdtPr")
W_VAL = qn("w:val")
W_TYPE = qn("w:type")
W_ID = qn("w:id")
W_AUTHOR = qn("w:author")
W_DATE = qn("w:date")
XML_SPACE = qn("xml:space")
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
MC_ALTERNATE_CONTENT = _MC + "AlternateContent"
MC_CHOICE = _MC + "Choice"
MC_FALLBACK = _MC + "Fallback"


def new_element(tag: str) -> Element:
    """A detached element, e.g. ``new_element("w:t")``."""
    return OxmlElement(tag)


def text_element(tag: str, text: str) -> Element:
    """A ``w:t`` or ``w:delText`` holding ``text``, preserving its edge spaces."""
    element = new_element(tag)
    set_text(element, text)
    return element


def set_text(element: Element, text: str) -> None:
    """Set the text of a ``w:t``; Word drops edge spaces without ``xml:space``."""
    element.text = text
    if text != text.strip():
        element.set(XML_SPACE, "preserve")


def whole_number(value: str | None, digits: int = 9) -> int | None:
    """An attribute's value as a number, if it is one of at most ``digits`` ASCII digits.

    ``str.isdigit()`` also takes "²", which ``int()`` refuses, and a crafted
    file may hold any string.
    """
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > digits:
        return None
    return int(value)
