"""Checks a ``.docx`` passes before anything parses it.

The zip's central directory is read first: the sizes it declares bound what
inflating could produce (``zipfile`` stops each entry at its declared size
and then fails its CRC check), so a zip bomb is refused from its directory
alone. Only then is anything inflated: ``[Content_Types].xml`` and the
relationship parts, small and bounded, to learn which parts python-docx will
parse as XML (by content type and relationship, never by name) and to spot a
macro project under any name; then those parts, streamed, to count their
tags before a parser builds an element for each.
"""

from __future__ import annotations

import io
import zipfile

from docx.oxml import parse_xml

from ._package_parts import (
    ContentTypes,
    entry_keys,
    is_content_types_entry,
    is_macro_type,
    is_relationships_entry,
    is_xml_type,
    relationships,
)
from ._xml import Element

# An OLE compound file: a legacy .doc, or any Office file saved with a password.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream holding an encrypted Office file's package (named in UTF-16 in the OLE directory).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_MAX_CONTENT_TYPES_BYTES = 1 << 20
# A relationship is about 150 bytes: some 28,000 of them, hyperlinks mostly, in one part.
_MAX_RELATIONSHIPS_BYTES = 4 << 20
_WORD_MAIN = b"wordprocessingml.document.main+xml"
_MACRO_MAIN = b"ms-word.document.macroenabled"
_MACRO_TEMPLATE = b"ms-word.template.macroenabledtemplate"
# Tags (opening and closing) in all XML parts: about a million elements, some
# thousands of pages of Word's markup.
MAX_MARKUP = 2_000_000
_READ_BYTES = 1 << 20


class DocxRejected(ValueError):
    """The upload is not a ``.docx`` the service will open; the message says why."""


class _TagBudget:
    """Tags counted so far in the parts that will be parsed, refused past ``MAX_MARKUP``.

    A few hundred KB of zip can inflate to millions of empty elements, each
    a few hundred bytes once parsed: a 67 KB upload of ``<w:p/>`` took 830
    MiB and 24 s to read. Counting ``<`` is cheap and needs no parser.
    """

    def __init__(self) -> None:
        self.tags = 0

    def spend(self, block: bytes) -> None:
        self.tags += block.count(b"<")
        if self.tags > MAX_MARKUP:
            raise DocxRejected(
                f"the document has more than {MAX_MARKUP:,} XML tags (the most this service "
                "reads), far more than Word writes for any text this service refines"
            )

    def spend_small(
        self, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int, why: str
    ) -> bytes:
        """A small part read whole, its tags counted; refused past ``limit`` bytes."""
        if entry.file_size > limit:
            raise DocxRejected(f"{entry.filename} is larger than {limit:,} bytes, {why}")
        xml = archive.read(entry)
        self.spend(xml)
        return xml

    def spend_streamed(self, archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
        """Count an entry's tags while inflating it, a block at a time."""
        with archive.open(entry) as part:
            while block := part.read(_READ_BYTES):
                self.spend(block)


def _parse_small(name: str, data: bytes) -> Element:
    """Parse a small package part with python-docx's own parser; refuse a DTD.

    That parser resolves no entities, and lxml loads no external DTD and
    fetches nothing from the network; still, Word never writes a DTD, and a
    part that declares one is refused, as every other part is once
    python-docx has read it.
    """
    try:
        root = parse_xml(data)
    except MemoryError:
        raise
    except Exception as exc:  # lxml's XMLSyntaxError, or anything else it trips over
        raise DocxRejected(f"{name} is not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise DocxRejected(f"{name} declares a DTD, which Word documents never do")
    return root


def _refuse_macro(where: str) -> DocxRejected:
    return DocxRejected(
        f"the document contains macros (a VBA project, {where}); save it as a .docx without macros"
    )


def _check_parts(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> bytes:
    """Count the tags of every part that will be parsed as XML; refuse DTDs and macros.

    Parsed as XML are ``[Content_Types].xml``, the relationship parts, every
    part with an XML content type, and every part a relationship targets
    that has no content type at all (python-docx refuses those, but counting
    them costs nothing). A VBA project is a macro whatever its part is
    called: found by its content type or by its relationship's type.
    Returns ``[Content_Types].xml`` as stored.
    """
    budget = _TagBudget()
    types = ContentTypes()
    declared = b""
    stored = {entry.filename.lower() for entry in entries}
    targeted: set[str] = set()  # entries a relationship points at: at most one per entry
    for entry in entries:
        if is_content_types_entry(entry.filename):
            xml = budget.spend_small(
                archive,
                entry,
                _MAX_CONTENT_TYPES_BYTES,
                "far more than any Office document declares",
            )
            types.add(_parse_small(entry.filename, xml))
            declared += xml
        elif is_relationships_entry(entry.filename):
            xml = budget.spend_small(
                archive,
                entry,
                _MAX_RELATIONSHIPS_BYTES,
                "far more relationships than any document Word writes",
            )
            for rel in relationships(entry.filename, _parse_small(entry.filename, xml)):
                if is_macro_type(rel.type):
                    raise _refuse_macro(rel.target.lstrip("/"))
                targeted |= entry_keys(rel.target) & stored
    for entry in entries:
        name = entry.filename
        candidates = types.of(name)
        if any(is_macro_type(t) for t in candidates):
            raise _refuse_macro(name)
        if is_content_types_entry(name) or is_relationships_entry(name):
            continue  # counted above
        if any(is_xml_type(t) for t in candidates) or (not candidates and name.lower() in targeted):
            budget.spend_streamed(archive, entry)
    return declared


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
        if any(entry.filename.lower().endswith("vbaproject.bin") for entry in entries):
            raise DocxRejected(
                "the document contains macros (vbaProject.bin); save it as a .docx without macros"
            )
        if not any(is_content_types_entry(entry.filename) for entry in entries):
            raise DocxRejected(
                "the archive is not an Office document (no usable [Content_Types].xml)"
            )
        try:
            declared_types = _check_parts(archive, entries).lower()
        except DocxRejected:
            raise
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as exc:
            # ValueError: offsets that point outside a truncated file.
            raise DocxRejected(f"the archive is damaged: {exc}") from None
    if _MACRO_MAIN in declared_types or _MACRO_TEMPLATE in declared_types:
        raise DocxRejected(
            "the document is macro-enabled (.docm); save it as a .docx without macros"
        )
    if _WORD_MAIN not in declared_types:
        raise DocxRejected("the archive is not a Word document (no word/document.xml main part)")
