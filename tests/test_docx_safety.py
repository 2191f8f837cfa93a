"""check_docx refuses what must not be parsed, from the zip directory alone."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from service.documents.docx import DocxRejected, check_docx, read_docx
from tests.support.docx_samples import sample_docx

_CENTRAL = b"PK\x01\x02"


def rezip(data: bytes, **replace: bytes) -> bytes:
    """The same package with some entries added or replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            if entry.filename not in replace:
                target.writestr(entry, source.read(entry))
        for name, body in replace.items():
            target.writestr(name, body)
    return out.getvalue()


def patch_central(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of every central directory header."""
    patched = bytearray(data)
    start = patched.find(_CENTRAL)
    while start != -1:
        struct.pack_into(fmt, patched, start + offset, value)
        start = patched.find(_CENTRAL, start + 4)
    return bytes(patched)


def forbid_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, fail the test if anything opens a zip entry."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a zip entry was inflated")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


def test_a_real_docx_passes() -> None:
    check_docx(sample_docx())


def test_not_a_zip() -> None:
    with pytest.raises(DocxRejected, match="not a zip"):
        check_docx(b"Just some text, not a document.")
    with pytest.raises(DocxRejected, match="not a zip"):
        check_docx(b"")


def test_a_directory_that_claims_huge_sizes_is_a_zip_bomb(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Central directory field at offset 24: the uncompressed size of the entry.
    bomb = patch_central(sample_docx(), 24, "<I", 0xFFFF0000)
    forbid_inflating(monkeypatch)
    with pytest.raises(DocxRejected, match="zip bomb") as info:
        check_docx(bomb)
    assert "not inflated" in str(info.value)


def test_a_highly_compressed_entry_is_refused_without_inflating_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (3 * 2**20))
    data = out.getvalue()
    assert len(data) < 20_000  # three mebibytes of zeros deflate to a few kilobytes
    forbid_inflating(monkeypatch)
    with pytest.raises(DocxRejected, match="zip bomb"):
        check_docx(data, max_uncompressed=2**20)


def test_too_many_entries() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(30):
            archive.writestr(f"word/media/image{n}.png", b"x")
    with pytest.raises(DocxRejected, match="too many entries"):
        check_docx(out.getvalue(), max_entries=20)
    with pytest.raises(DocxRejected, match="too many entries"):
        check_docx(rezip(sample_docx(), **{f"extra/{n}": b"" for n in range(2001)}))


def test_macros_are_refused() -> None:
    with pytest.raises(DocxRejected, match="macros"):
        check_docx(rezip(sample_docx(), **{"word/vbaProject.bin": b"\0" * 64}))


def test_a_macro_enabled_content_type_is_refused() -> None:
    data = sample_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    docm = types.replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    assert docm != types
    with pytest.raises(DocxRejected, match="macro"):
        check_docx(rezip(data, **{"[Content_Types].xml": docm}))


def test_an_encrypted_office_file_is_refused() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    encrypted = ole + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(DocxRejected, match="encrypted"):
        check_docx(encrypted)
    with pytest.raises(DocxRejected, match=r"encrypted.*\.doc|\.doc.*encrypted"):
        check_docx(ole)


def test_encrypted_zip_entries_are_refused() -> None:
    # Central directory field at offset 8: the general purpose flags; bit 0 is "encrypted".
    with pytest.raises(DocxRejected, match="encrypted"):
        check_docx(patch_central(sample_docx(), 8, "<H", 0x1))


def test_a_zip_that_is_not_a_word_document() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", b"hello")
    with pytest.raises(DocxRejected, match="not an Office document"):
        check_docx(out.getvalue())
    data = sample_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    sheet = types.replace(b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml")
    with pytest.raises(DocxRejected, match="not a Word document"):
        check_docx(rezip(data, **{"[Content_Types].xml": sheet}))


def test_a_damaged_document_is_rejected_not_crashed() -> None:
    broken = rezip(sample_docx(), **{"word/document.xml": b"<w:document><unclosed>"})
    check_docx(broken)
    with pytest.raises(DocxRejected, match="could not be read"):
        read_docx(broken)


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = "top-secret-value-3141"
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{path}">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>before &xxe; after</w:t></w:r></w:p><w:sectPr/></w:body>"
        "</w:document>"
    ).encode()
    data = rezip(sample_docx(), **{"word/document.xml": document})
    with pytest.raises(DocxRejected, match="DTD") as info:
        read_docx(data)
    assert secret not in str(info.value)


def test_a_small_zip_of_millions_of_elements_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    main = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>" + b"<w:p/>" * 2_100_000 + b"</w:body></w:document>"
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(sample_docx())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            body = main if entry.filename == "word/document.xml" else source.read(entry)
            target.writestr(entry.filename, body)
    bomb = out.getvalue()
    assert len(bomb) < 200_000, "a small upload"

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the XML was parsed")

    monkeypatch.setattr("docx.Document", no_parsing)
    with pytest.raises(DocxRejected, match="XML tags"):
        read_docx(bomb)
