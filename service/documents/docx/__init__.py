"""``.docx`` documents: check, read, refine in place, restyle, track changes.

The text model (see ``model``): every paragraph in order (body with its
table cells, then headers, footers, footnotes and endnotes), joined by
``"\\n\\n"``. Refined texts go back paragraph by paragraph into the text
elements they touch, so everything else in the document stays as it was.

Everything here is synchronous and works on bytes: callers run it in a
worker thread. Every function that opens a document runs ``check_docx``
first and raises ``DocxRejected`` for a file it will not open.
"""

from __future__ import annotations

from ._md_parse import MAX_ELEMENTS, TooManyElements
from ._package import save_document
from .apply import ParagraphCountChanged, apply_texts
from .markdown import markdown_markup, write_markdown
from .model import SEPARATOR, DocxParagraph, DocxText, Reach
from .reader import read_docx, read_docx_as_stored
from .restyle import TextCountMismatch, restyle
from .safety import DocxRejected, check_docx
from .templates import FALLBACK_STYLE, list_templates, write_with_template
from .tracked import tracked_changes_docx

__all__ = [
    "FALLBACK_STYLE",
    "MAX_ELEMENTS",
    "SEPARATOR",
    "DocxParagraph",
    "DocxRejected",
    "DocxText",
    "ParagraphCountChanged",
    "Reach",
    "TextCountMismatch",
    "TooManyElements",
    "apply_texts",
    "check_docx",
    "list_templates",
    "markdown_markup",
    "read_docx",
    "read_docx_as_stored",
    "restyle",
    "save_document",
    "tracked_changes_docx",
    "write_markdown",
    "write_with_template",
]
