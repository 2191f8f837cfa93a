"""apply_texts: refined text goes in, and everything else about the document stays."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from service.documents.diff import word_diff
from service.documents.docx import ParagraphCountChanged, apply_texts, read_docx
from service.documents.docx import apply as docx_apply
from tests.support.docx_samples import (
    LINK_URL,
    add_notes,
    add_text_box,
    refine_texts,
    sample_document,
    sample_docx,
    to_bytes,
)

# An lxml element; lxml ships no type information.
Element = Any
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_PARTS = {"word/document.xml", "word/header1.xml", "word/footer1.xml", "word/header2.xml"}
KEPT = (
    "drawing",
    "bookmarkStart",
    "bookmarkEnd",
    "fldChar",
    "instrText",
    "commentRangeStart",
    "commentRangeEnd",
    "commentReference",
    "hyperlink",
    "tbl",
    "tr",
    "tc",
    "sectPr",
    "p",
    "pPr",
)


def xml_of(element: Element | None) -> str:
    return "" if element is None else str(element.xml)


def story_roots(data: bytes) -> list[Element]:
    document = docx.Document(io.BytesIO(data))
    roots: list[Element] = [document.element.body]
    for section in document.sections:
        roots.extend(
            story.part.element
            for story in (section.header, section.footer)
            if not story.is_linked_to_previous
        )
    return roots


def chars_with_format(data: bytes) -> list[list[tuple[str, str]]]:
    """Per paragraph, each visible character with its run's properties and hyperlink.

    Written apart from the library on purpose: it reads runs with XPath.
    """
    out: list[list[tuple[str, str]]] = []
    for root in story_roots(data):
        for p in root.xpath(".//w:p"):
            chars: list[tuple[str, str]] = []
            for run in p.xpath("./w:r | ./w:hyperlink/w:r"):
                link = run.getparent().get(qn("r:id")) or ""
                props = xml_of(run.find(qn("w:rPr"))) + link
                for child in run:
                    if child.tag == qn("w:t"):
                        chars.extend((c, props) for c in child.text or "")
                    elif child.tag == qn("w:tab"):
                        chars.append(("\t", props))
                    elif child.tag == qn("w:br"):
                        chars.append(("\n", props))
            out.append(chars)
    return out


def counts(data: bytes) -> dict[str, int]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = b"".join(archive.read(name) for name in sorted(TEXT_PARTS & set(archive.namelist())))
    return {tag: xml.count(f"<w:{tag}".encode()) + xml.count(f"<wp:{tag}".encode()) for tag in KEPT}


def paragraph_properties(data: bytes) -> list[str]:
    return [xml_of(p.find(qn("w:pPr"))) for root in story_roots(data) for p in root.xpath(".//w:p")]


def zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {entry.filename: archive.read(entry) for entry in archive.infolist()}


@pytest.fixture(scope="module")
def refined() -> tuple[bytes, list[str], bytes, list[str]]:
    data = sample_docx()
    before = read_docx(data).texts
    after = refine_texts(before)
    return data, before, apply_texts(data, after), after


def test_the_text_is_refined(refined: tuple[bytes, list[str], bytes, list[str]]) -> None:
    _, before, out, after = refined
    assert before != after
    assert read_docx(out).texts == after
    assert "We need to use the new tools to start the work. Kept words stay bold." in after


def test_structure_is_unchanged(refined: tuple[bytes, list[str], bytes, list[str]]) -> None:
    data, _, out, _ = refined
    assert counts(out) == counts(data)
    assert paragraph_properties(out) == paragraph_properties(data)
    old, new = read_docx(data), read_docx(out)
    assert [(p.part, p.style, p.in_table) for p in new.paragraphs] == [
        (p.part, p.style, p.in_table) for p in old.paragraphs
    ]
    old_doc, new_doc = docx.Document(io.BytesIO(data)), docx.Document(io.BytesIO(out))
    assert [len(t.rows) for t in new_doc.tables] == [len(t.rows) for t in old_doc.tables]
    assert [len(t.columns) for t in new_doc.tables] == [len(t.columns) for t in old_doc.tables]
    assert xml_of(new_doc.element.body.sectPr) == xml_of(old_doc.element.body.sectPr)


def test_other_parts_are_byte_identical(
    refined: tuple[bytes, list[str], bytes, list[str]],
) -> None:
    data, _, out, _ = refined
    before, after = zip_entries(data), zip_entries(out)
    assert sorted(after) == sorted(before)
    untouched = [name for name in before if name not in TEXT_PARTS]
    assert "word/styles.xml" in untouched
    assert "word/numbering.xml" in untouched
    assert any(name.startswith("word/media/") for name in untouched)
    assert [name for name in untouched if after[name] != before[name]] == []


def test_unchanged_characters_keep_their_formatting(
    refined: tuple[bytes, list[str], bytes, list[str]],
) -> None:
    data, before, out, after = refined
    old_chars, new_chars = chars_with_format(data), chars_with_format(out)
    assert len(old_chars) == len(new_chars) == len(before)
    checked = 0
    for old, new, old_text, new_text in zip(old_chars, new_chars, before, after, strict=True):
        assert "".join(c for c, _ in old) == old_text
        assert "".join(c for c, _ in new) == new_text
        i = j = 0
        for op in word_diff(old_text, new_text).ops:
            if op.op == "equal":
                for _ in op.text:
                    assert old[i] == new[j], (old_text, i, new_text, j)
                    i, j, checked = i + 1, j + 1, checked + 1
            elif op.op == "delete":
                i += len(op.text)
            else:
                j += len(op.text)
    assert checked > 300


def runs_showing(data: bytes, word: str) -> Iterator[Element]:
    for root in story_roots(data):
        for run in root.xpath(".//w:r"):
            if any(word in (t.text or "") for t in run.iter(qn("w:t"))):
                yield run


def test_a_replaced_span_takes_the_formatting_of_the_run_it_starts_in(
    refined: tuple[bytes, list[str], bytes, list[str]],
) -> None:
    out = refined[2]
    # "utilize the new" was bold: "use" replaced "utilize" inside it.
    bold = [r for r in runs_showing(out, "use the new") if r.find(f"{W}rPr/{W}b") is not None]
    assert bold
    # "in order" (italic) + " to" (plain) became "to": the kept "to" stays plain.
    plain = list(runs_showing(out, "to start the work"))
    assert plain
    assert all(r.find(f"{W}rPr") is None for r in plain)


def test_hyperlink_text_changes_but_not_its_target(
    refined: tuple[bytes, list[str], bytes, list[str]],
) -> None:
    data, _, out, _ = refined
    document = docx.Document(io.BytesIO(out))
    links = document.element.body.xpath(".//w:hyperlink")
    assert len(links) == 1
    r_id = links[0].get(qn("r:id"))
    assert r_id == docx.Document(io.BytesIO(data)).element.body.xpath(".//w:hyperlink")[0].get(
        qn("r:id")
    )
    assert document.part.rels[r_id].target_ref == LINK_URL
    shown = "".join(t.text for t in links[0].iter(qn("w:t")))
    assert shown == "the guide to"


def test_bookmark_field_comment_and_image_survive_in_changed_paragraphs(
    refined: tuple[bytes, list[str], bytes, list[str]],
) -> None:
    out = refined[2]
    body = docx.Document(io.BytesIO(out)).element.body
    fields = next(p for p in body.xpath("./w:p") if "See page" in "".join(p.itertext()))
    kinds = [child.tag.split("}")[1] for child in fields.iter() if child.tag.startswith(W)]
    assert kinds.count("fldChar") == 3
    assert "instrText" in kinds
    assert "bookmarkStart" in kinds
    assert "bookmarkEnd" in kinds
    bookmark = fields.find(f"{W}bookmarkStart").getnext()
    assert bookmark.find(f"{W}t").text == "use"  # the bookmarked word, refined, still inside it
    picture = next(p for p in body.xpath("./w:p") if p.xpath(".//w:drawing"))
    assert "we use a chart" in "".join(picture.itertext())
    commented = next(p for p in body.xpath("./w:p") if p.xpath(".//w:commentReference"))
    assert "".join(t.text for t in commented.iter(f"{W}t")) == "Reviewers start the review."


def test_same_texts_change_nothing() -> None:
    data = sample_docx()
    again = apply_texts(data, read_docx(data).texts)
    before, after = zip_entries(data), zip_entries(again)
    assert {name: body for name, body in after.items() if before[name] != body} == {}


def test_the_paragraph_count_must_match() -> None:
    data = sample_docx()
    texts = read_docx(data).texts
    with pytest.raises(ParagraphCountChanged, match=f"{len(texts)} paragraphs"):
        apply_texts(data, [*texts, "one more"])


def test_inserted_tabs_and_breaks_become_elements_and_empty_paragraphs_get_a_run() -> None:
    document = docx.Document()
    document.add_paragraph("left right")
    document.add_paragraph()
    run = document.add_paragraph().add_run("gone")
    run.bold = True
    data = to_bytes(document)
    out = apply_texts(data, ["left\tmiddle\nright", "now some text", ""])
    assert read_docx(out).texts == ["left\tmiddle\nright", "now some text", ""]
    body = docx.Document(io.BytesIO(out)).element.body
    first, second, third = body.xpath("./w:p")
    assert first.xpath(".//w:tab")
    assert first.xpath(".//w:br")
    assert second.xpath("./w:r/w:t")[0].text == "now some text"
    assert third.xpath("./w:r") == []  # a run left with nothing to show is removed


def edit(text: str, rng: random.Random) -> str:
    """A few random word-level edits, as a model or a person might make them."""
    words = text.split(" ")
    for _ in range(rng.randint(1, 3)):
        n = rng.randrange(len(words))
        match rng.randrange(4):
            case 0 if len(words) > 1:
                del words[n]
            case 1:
                words.insert(n, rng.choice(["new", "and\tso", "quite", "x"]))
            case 2:
                words[n] = rng.choice(["swap", "", "Replaced words", words[n].upper()])
            case _:
                words[n] = words[n] + rng.choice([",", "s", "-ish"])
    return " ".join(words)


@pytest.mark.parametrize("seed", range(12))
def test_random_edits_read_back_exactly(seed: int) -> None:
    rng = random.Random(seed)
    data = sample_docx()
    before = read_docx(data)
    after = [
        edit(p.text, rng) if p.text and "\n" not in p.text and rng.random() < 0.7 else p.text
        for p in before.paragraphs
    ]
    out = apply_texts(data, after)
    assert read_docx(out).texts == after
    assert counts(out)["drawing"] == counts(data)["drawing"]
    assert counts(out)["fldChar"] == counts(data)["fldChar"]


def test_footnotes_and_endnotes_are_refined_in_place() -> None:
    document = sample_document()
    add_notes(
        document, ["We utilize this source in order to check."], ["An endnote in order to end."]
    )
    data = to_bytes(document)
    texts = read_docx(data).texts
    refined = [*texts[:-2], " We use this source to check.", " An endnote to end."]

    out = apply_texts(data, refined)

    assert read_docx(out).texts == refined
    before, after = zip_entries(data), zip_entries(out)
    assert {name for name in after if before[name] != after[name]} == {
        "word/footnotes.xml",
        "word/endnotes.xml",
    }
    notes = after["word/footnotes.xml"].decode()
    assert notes.count("w:separator") == 1, "Word's separator notes are kept"
    assert "<w:footnoteRef/>" in notes, "the note still shows its number"
    assert "w:footnoteReference" in after["word/document.xml"].decode()


def test_a_text_box_is_refined_in_both_of_its_copies() -> None:
    document = docx.Document()
    anchor = document.add_paragraph("The anchor paragraph.")
    add_text_box(anchor, ["We utilize boxes.", "Kept as it is."])
    data = to_bytes(document)
    untouched = zip_entries(apply_texts(data, read_docx(data).texts))
    assert untouched == zip_entries(data), "no edit, no change"

    out = apply_texts(data, ["The anchor paragraph.", "We use boxes.", "Kept as it is."])

    assert read_docx(out).texts == ["The anchor paragraph.", "We use boxes.", "Kept as it is."]
    body = zip_entries(out)["word/document.xml"].decode()
    assert body.count("We use boxes.") == 2, "the shape and its fallback for older readers"
    assert "utilize" not in body
    assert body.count("<w:txbxContent>") == 2


def test_past_the_documents_diff_deadline_texts_still_land_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no time left every paragraph is diffed coarsely: still exactly the new texts."""
    monkeypatch.setattr(docx_apply, "DIFF_SECONDS", 0.0)
    data = sample_docx()
    before = read_docx(data).texts
    after = [f"{text} Now edited." if text else text for text in before]
    assert read_docx(apply_texts(data, after)).texts == after
