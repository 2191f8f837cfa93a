"""check_docx refuses what must not be parsed, from the zip directory alone."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from service.documents.docx import DocxRejected, check_docx, read_docx
from service.documents.docx.safety import MAX_MARKUP
from tests.support.docx_packages import (
    MAIN,
    RELS,
    content_types,
    main_part,
    package,
    relationships,
    renamed_main,
)
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


_VBA_PROJECT = "application/vnd.ms-office.vbaProject"
_VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_DTD = b'<!DOCTYPE root [<!ENTITY a "aaaaaaaaaa">]>'


def plain_document(**extra: bytes) -> dict[str, bytes]:
    """The entries of a small, valid document; ``extra`` adds or replaces entries."""
    return {
        "[Content_Types].xml": content_types(
            {"rels": RELS, "xml": "application/xml", "png": "image/png"},
            {"/word/document.xml": MAIN},
        ),
        "_rels/.rels": relationships(("officeDocument", "word/document.xml")),
        "word/document.xml": main_part(1, "Plain words."),
        **extra,
    }


@pytest.mark.parametrize("by", ["override", "default"])
def test_a_renamed_main_part_is_read_by_its_content_type(by: str) -> None:
    read = read_docx(renamed_main(main_part(2, "Found by its type."), by=by))
    assert [p.text for p in read.paragraphs if p.text] == ["Found by its type."]


@pytest.mark.parametrize("by", ["override", "default"])
def test_a_renamed_main_part_over_the_tag_cap_is_refused(
    by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = renamed_main(main_part(MAX_MARKUP + 100_000), by=by)
    assert len(bomb) < 200_000, "a small upload"

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the XML was parsed")

    monkeypatch.setattr("docx.Document", no_parsing)
    with pytest.raises(DocxRejected, match="XML tags"):
        read_docx(bomb)


def test_an_untyped_relationship_target_is_counted_where_it_resolves() -> None:
    # word/_rels/document.xml.rels resolves against /word: "../custom/x.bin" is custom/x.bin.
    entries = plain_document(
        **{
            "word/_rels/document.xml.rels": relationships(
                ("customXml", "media/../../custom/x.bin")
            ),
            "custom/x.bin": b"<a/>" * (MAX_MARKUP + 1),
        }
    )
    with pytest.raises(DocxRejected, match="XML tags"):
        check_docx(package(entries))
    entries["word/_rels/document.xml.rels"] = relationships(("customXml", "custom/x.bin"))
    check_docx(package(entries))  # /word/custom/x.bin: no such part, nothing to count


def test_an_image_full_of_angle_brackets_is_not_counted() -> None:
    entries = plain_document(
        **{
            "word/_rels/document.xml.rels": relationships(("image", "media/image1.png")),
            "word/media/image1.png": b"<" * (MAX_MARKUP + 1),
        }
    )
    check_docx(package(entries))


def test_the_tag_cap_refusal_says_the_limit() -> None:
    with pytest.raises(DocxRejected) as info:
        check_docx(package(plain_document(**{"word/document.xml": main_part(MAX_MARKUP + 1)})))
    assert f"{MAX_MARKUP:,}" in str(info.value)
    assert "damaged" not in str(info.value)


def test_a_renamed_macro_project_is_refused_by_its_content_type() -> None:
    entries = plain_document(
        **{
            "[Content_Types].xml": content_types(
                {"rels": RELS, "xml": "application/xml"},
                {"/word/document.xml": MAIN, "/word/project.dat": _VBA_PROJECT},
            ),
            "word/project.dat": b"\0" * 64,
        }
    )
    with pytest.raises(DocxRejected, match="macros") as info:
        check_docx(package(entries))
    assert "word/project.dat" in str(info.value)


def test_a_renamed_macro_project_is_refused_by_its_relationship() -> None:
    entries = plain_document(
        **{
            "word/_rels/document.xml.rels": relationships((_VBA_RELATIONSHIP, "project.dat")),
            "word/project.dat": b"\0" * 64,
        }
    )
    with pytest.raises(DocxRejected, match="macros") as info:
        check_docx(package(entries))
    assert "word/project.dat" in str(info.value)


def test_a_dtd_in_content_types_is_refused() -> None:
    types = content_types({"rels": RELS, "xml": "application/xml"}, {}, dtd=_DTD)
    with pytest.raises(DocxRejected, match="DTD"):
        check_docx(rezip(sample_docx(), **{"[Content_Types].xml": types}))


@pytest.mark.parametrize("name", ["_rels/.rels", "word/_rels/document.xml.rels"])
def test_a_dtd_in_relationships_is_refused(name: str) -> None:
    rels = relationships(("officeDocument", "word/document.xml"), dtd=_DTD)
    with pytest.raises(DocxRejected, match="DTD") as info:
        check_docx(rezip(sample_docx(), **{name: rels}))
    assert name in str(info.value)


def test_oversized_or_malformed_relationships_are_refused() -> None:
    huge = relationships(*[("hyperlink", f"https://example.com/{n}") for n in range(60_000)])
    with pytest.raises(DocxRejected, match="larger than"):
        check_docx(rezip(sample_docx(), **{"word/_rels/document.xml.rels": huge}))
    with pytest.raises(DocxRejected, match="not well-formed"):
        check_docx(rezip(sample_docx(), **{"_rels/.rels": b"<Relationships"}))


def test_billion_laughs_in_relationships_are_refused_without_expanding_them() -> None:
    entities = '<!ENTITY lol0 "lollollollollol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    rels = (
        f"<!DOCTYPE Relationships [{entities}]>"
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="&lol9;" Target="word/document.xml"/></Relationships>'
    ).encode()
    with pytest.raises(DocxRejected, match=r"_rels/\.rels"):
        check_docx(rezip(sample_docx(), **{"_rels/.rels": rels}))
