"""From an uploaded file to the text engines refine (blocking: run it in a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass

from service.documents.docx import DocxRejected, read_docx
from service.documents.formats import UnsupportedDocument, decode_text, format_of


@dataclass(frozen=True, slots=True)
class ReadDocument:
    format: str
    text: str
    source: bytes | None  # kept for formats rebuilt from their original (.docx)


def read_document(name: str, data: bytes) -> ReadDocument:
    """Raise :class:`UnsupportedDocument` (with why) for anything it will not read."""
    fmt = format_of(name)
    if fmt != "docx":
        return ReadDocument(fmt, decode_text(data), None)
    try:
        # read_docx checks the file first (check_docx), as every opening does.
        return ReadDocument(fmt, read_docx(data).joined(), data)
    except DocxRejected as exc:
        raise UnsupportedDocument(str(exc)) from None
    except Exception as exc:
        # Untrusted bytes: whatever else the zip and XML readers trip over, the
        # answer is the same: this file cannot be read.
        raise UnsupportedDocument(f"the .docx is damaged ({type(exc).__name__})") from None
