"""What a ``.docx`` looks like to the engines: paragraphs of plain text.

``DocxText.joined()`` is the text an engine refines: the paragraphs' texts
joined by a blank line (``"\\n\\n"``), empty paragraphs included, so that
``DocxText.split`` cuts a refined text back into exactly as many pieces. A
paragraph's own text never holds a blank line, nor starts or ends with a
line break: a soft line break is ``\\n``, or U+2028 where ``\\n`` would
make a blank line or touch an edge; a tab is ``\\t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

SEPARATOR = "\n\n"


class Reach(Enum):
    """Which paragraphs of a document its text holds.

    ``ALL``: the body with its text boxes, the headers and footers, the
    footnotes and endnotes. ``MAIN``: the body without text boxes, the
    headers and footers: the text of versions of the service that read no
    more, kept so that documents refined by them still render.
    """

    ALL = "all"
    MAIN = "main"


@dataclass(frozen=True, slots=True)
class DocxParagraph:
    """One paragraph: where it lives, its style and its visible text."""

    part: str  # "body", "header", "footer", "footnote" or "endnote"
    section: int  # index of the section it belongs to (a header's or footer's first section)
    style: str  # the paragraph style's name, e.g. "Heading 1", "List Bullet", "Normal"
    text: str
    in_table: bool = False  # inside a table cell
    list_level: int | None = None  # its numbering level, when the paragraph itself is numbered

    def to_dict(self) -> dict[str, object]:
        return {
            "part": self.part,
            "section": self.section,
            "style": self.style,
            "text": self.text,
            "in_table": self.in_table,
            "list_level": self.list_level,
        }


@dataclass(frozen=True, slots=True)
class DocxText:
    """Every paragraph of a document in order: body, headers, footers, footnotes, endnotes."""

    paragraphs: tuple[DocxParagraph, ...]

    def joined(self) -> str:
        """The text engines see: paragraph texts joined by ``"\\n\\n"``."""
        return SEPARATOR.join(paragraph.text for paragraph in self.paragraphs)

    @property
    def texts(self) -> list[str]:
        return [paragraph.text for paragraph in self.paragraphs]

    @property
    def styled(self) -> list[tuple[str, str]]:
        """``(style, text)`` pairs, as ``write_with_template`` takes them."""
        return [(paragraph.style, paragraph.text) for paragraph in self.paragraphs]

    @staticmethod
    def split(text: str, expected: int) -> list[str] | None:
        """Cut a joined (and maybe refined) text into ``expected`` paragraph texts.

        ``None`` when the count differs: an engine merged or split paragraphs,
        so the text can no longer be put back paragraph by paragraph.
        """
        if expected == 0:
            return [] if text == "" else None
        pieces = text.split(SEPARATOR)
        return pieces if len(pieces) == expected else None

    def to_dict(self) -> dict[str, object]:
        return {"paragraphs": [paragraph.to_dict() for paragraph in self.paragraphs]}
