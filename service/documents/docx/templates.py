"""Style templates: writing refined paragraphs into one, and listing a folder of them.

A template keeps its styles, numbering, page setup, headers and footers;
only its body is replaced. The body's final ``w:sectPr`` (the last
section's page setup and header and footer references) stays; section
breaks inside the template's body go with the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.styles.style import ParagraphStyle

from ._atoms import LINE_SEPARATOR
from ._package import open_document, save_document
from ._xml import W_SECT_PR
from .safety import DocxRejected

FALLBACK_STYLE = "Normal"
# A template is read whole; past this it is listed with an error instead.
_MAX_TEMPLATE_BYTES = 50 * 2**20


def write_with_template(
    template: bytes, paragraphs: Sequence[tuple[str, str]]
) -> tuple[bytes, list[str]]:
    """``(style, text)`` pairs as the body of ``template``.

    Returns the document and the style names the template lacks, in order of
    first use: their paragraphs use ``Normal`` instead.
    """
    document = open_document(template)
    body = document.element.body
    for child in list(body):
        if child.tag != W_SECT_PR:
            body.remove(child)
    fallbacks = fill(document, paragraphs or [(FALLBACK_STYLE, "")])
    return save_document(document), fallbacks


def fill(document: Document, paragraphs: Sequence[tuple[str, str]]) -> list[str]:
    """Append styled paragraphs to the body; the style names that fell back to ``Normal``."""
    styles = _paragraph_styles(document)
    folded = {name.casefold(): style for name, style in styles.items()}
    fallback = styles.get(FALLBACK_STYLE)
    missing: list[str] = []
    for name, text in paragraphs:
        style = styles.get(name) or folded.get(name.casefold())
        if style is None:
            style = fallback
            if name not in missing:
                missing.append(name)
        paragraph = document.add_paragraph(style=style)
        if text:
            paragraph.add_run(text.replace(LINE_SEPARATOR, "\n"))
    return missing


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
    return {
        "title": document.core_properties.title or "",
        "description": document.core_properties.subject or "",
        "styles": list(_paragraph_styles(document)),
    }


def _paragraph_styles(document: Document) -> dict[str, ParagraphStyle]:
    return {
        style.name: style
        for style in document.styles
        if style.type == WD_STYLE_TYPE.PARAGRAPH
        and isinstance(style, ParagraphStyle)
        and style.name is not None
    }
