"""Opening and saving documents as bytes."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.part import PartFactory, XmlPart

from .safety import DocxRejected, check_docx

# python-docx has no classes of its own for footnotes and endnotes, and would
# keep them as opaque bytes; as XML parts they are parsed with its safe parser,
# read and edited like the body, and saved back from their elements.
for _notes in (CT.WML_FOOTNOTES, CT.WML_ENDNOTES):
    PartFactory.part_type_for.setdefault(_notes, XmlPart)

# A fixed entry time (the zip format's earliest), so equal documents give equal bytes.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def open_document(data: bytes) -> Document:
    """Check ``data``, then parse it; anything python-docx cannot read is ``DocxRejected``.

    python-docx's parser resolves no entities and lxml fetches nothing from
    the network; a part that declares a DTD at all (Word never writes one)
    is refused as well, rather than read with its entities left out.
    """
    check_docx(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:
        # A checked zip that python-docx or lxml cannot parse: bad input, never a crash.
        raise DocxRejected(f"the document could not be read: {exc}") from None
    for part in document.part.package.iter_parts():
        if isinstance(part, XmlPart) and part.element.getroottree().docinfo.doctype:
            raise DocxRejected(f"{part.partname} declares a DTD, which Word documents never do")
    return document


def save_document(document: Document) -> bytes:
    """The document as ``.docx`` bytes, with fixed zip entry times."""
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip with every entry dated ``_ZIP_EPOCH``, in the same order."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry))
    return out.getvalue()
