"""Hand-built OPC packages: python-docx finds parts through relationships and reads
them by content type, so the name of a part decides nothing."""

from __future__ import annotations

import io
import zipfile

_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
RELS = "application/vnd.openxmlformats-package.relationships+xml"


def content_types(defaults: dict[str, str], overrides: dict[str, str], dtd: bytes = b"") -> bytes:
    """``[Content_Types].xml``: content types by extension, and by part name."""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        + dtd
        + f'<Types xmlns="{_CT_NS}">'.encode()
        + "".join(
            f'<Default Extension="{ext}" ContentType="{ct}"/>' for ext, ct in defaults.items()
        ).encode()
        + "".join(
            f'<Override PartName="{name}" ContentType="{ct}"/>' for name, ct in overrides.items()
        ).encode()
        + b"</Types>"
    )


def relationships(*targets: tuple[str, str], dtd: bytes = b"") -> bytes:
    """A ``.rels`` part of (type, target) pairs; a type without '/' is one of officeDocument's."""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        + dtd
        + f'<Relationships xmlns="{_REL_NS}">'.encode()
        + "".join(
            f'<Relationship Id="rId{n}" Type="{kind if "/" in kind else _RT + kind}" '
            f'Target="{target}"/>'
            for n, (kind, target) in enumerate(targets, 1)
        ).encode()
        + b"</Relationships>"
    )


def main_part(paragraphs: int, text: str = "") -> bytes:
    """A main document part of ``paragraphs`` empty paragraphs, then one of ``text``."""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>"
        + b"<w:p/>" * paragraphs
        + f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
        + b"</w:body></w:document>"
    )


def package(entries: dict[str, bytes]) -> bytes:
    """A deflated zip of ``entries`` (name to bytes), in order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def renamed_main(body: bytes, *, by: str) -> bytes:
    """A document whose main part is ``word/document.dat``, typed by ``Override`` or ``Default``."""
    overrides = {"/word/document.dat": MAIN} if by == "override" else {}
    defaults = {"rels": RELS, **({"dat": MAIN} if by == "default" else {})}
    return package(
        {
            "[Content_Types].xml": content_types(defaults, overrides),
            "_rels/.rels": relationships(("officeDocument", "word/document.dat")),
            "word/document.dat": body,
        }
    )
