"""Which documents the service reads, and turning an uploaded text file into text."""

from __future__ import annotations

from pathlib import PurePosixPath

TEXT_FORMATS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
FORMATS = {**TEXT_FORMATS, ".docx": "docx"}
MEDIA_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EXTENSIONS = {"txt": "txt", "md": "md", "docx": "docx"}


class UnsupportedDocument(ValueError):
    """The file is not a document the service reads; the message says what is."""


def format_of(name: str) -> str:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    allowed = ", ".join(sorted(FORMATS))
    shown = suffix or "no extension"
    raise UnsupportedDocument(f"unsupported file type ({shown}); allowed: {allowed}")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a BOM); refuses binary data."""
    if b"\x00" in data:
        raise UnsupportedDocument("the file holds binary data (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsupportedDocument(
            f"the file is not valid UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_name(name: str) -> str:
    """A display name: the last path segment, without control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "document"
