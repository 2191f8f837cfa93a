"""Checks a ``.docx`` passes before anything parses it.

The zip's central directory is read first: the sizes it declares bound what
inflating could produce (``zipfile`` stops each entry at its declared size
and then fails its CRC check), so a zip bomb is refused from its directory
alone. Only then is anything inflated: ``[Content_Types].xml``, when small,
to spot a macro-enabled main part, and the XML parts, streamed, to count
their tags before a parser builds an element for each.
"""

from __future__ import annotations

import io
import zipfile

# An OLE compound file: a legacy .doc, or any Office file saved with a password.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream holding an encrypted Office file's package (named in UTF-16 in the OLE directory).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_CONTENT_TYPES = "[Content_Types].xml"
_MAX_CONTENT_TYPES_BYTES = 1 << 20
_WORD_MAIN = b"wordprocessingml.document.main+xml"
_MACRO_MAIN = b"ms-word.document.macroenabled"
_MACRO_TEMPLATE = b"ms-word.template.macroenabledtemplate"
# Tags (opening and closing) in all XML parts: about a million elements, some
# thousands of pages of Word's markup.
MAX_MARKUP = 2_000_000
_READ_BYTES = 1 << 20


class DocxRejected(ValueError):
    """The upload is not a ``.docx`` the service will open; the message says why."""


def _check_markup(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Refuse XML parts with more than ``MAX_MARKUP`` tags in all, counted while inflating.

    A few hundred KB of zip can inflate to millions of empty elements, each
    a few hundred bytes once parsed: a 67 KB upload of ``<w:p/>`` took 830
    MiB and 24 s to read. Counting ``<`` is cheap and needs no parser.
    """
    tags = 0
    for entry in entries:
        if not entry.filename.lower().endswith((".xml", ".rels")):
            continue
        with archive.open(entry) as part:
            while block := part.read(_READ_BYTES):
                tags += block.count(b"<")
                if tags > MAX_MARKUP:
                    raise DocxRejected(
                        f"the document has more than {MAX_MARKUP:,} XML tags, "
                        "far more than Word writes for any text this service refines"
                    )


def check_docx(
    data: bytes, *, max_entries: int = 2000, max_uncompressed: int = 200 * 2**20
) -> None:
    """Raise ``DocxRejected`` unless ``data`` is a safe, unencrypted, macro-free ``.docx``."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise DocxRejected(
                "the document is encrypted (password-protected); "
                "remove the password and upload it again"
            )
        raise DocxRejected(
            "the file is an OLE compound document (a legacy Word 97-2003 .doc, or an encrypted "
            "Office file), not a .docx; save it as an unencrypted .docx"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise DocxRejected("the file is not a zip archive, so it is not a .docx") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > max_entries:
            raise DocxRejected(
                f"the archive has too many entries ({len(entries)}; at most {max_entries})"
            )
        declared = sum(entry.file_size for entry in entries)
        if declared > max_uncompressed:
            raise DocxRejected(
                f"zip bomb: the entries would inflate to {declared} bytes "
                f"(at most {max_uncompressed}); the file was not inflated"
            )
        if any(entry.flag_bits & 0x1 for entry in entries):
            raise DocxRejected("the archive has encrypted entries; upload an unencrypted .docx")
        names = {entry.filename.lower(): entry for entry in entries}
        if any(name.endswith("vbaproject.bin") for name in names):
            raise DocxRejected(
                "the document contains macros (vbaProject.bin); save it as a .docx without macros"
            )
        content_types = names.get(_CONTENT_TYPES.lower())
        if content_types is None or content_types.file_size > _MAX_CONTENT_TYPES_BYTES:
            raise DocxRejected(
                "the archive is not an Office document (no usable [Content_Types].xml)"
            )
        try:
            declared_types = archive.read(content_types).lower()
            _check_markup(archive, entries)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as exc:
            # ValueError: offsets that point outside a truncated file.
            raise DocxRejected(f"the archive is damaged: {exc}") from None
    if _MACRO_MAIN in declared_types or _MACRO_TEMPLATE in declared_types:
        raise DocxRejected(
            "the document is macro-enabled (.docm); save it as a .docx without macros"
        )
    if _WORD_MAIN not in declared_types:
        raise DocxRejected("the archive is not a Word document (no word/document.xml main part)")
