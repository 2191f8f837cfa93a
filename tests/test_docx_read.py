"""read_docx: the paragraphs, their order and styles, and the joined text engines see."""

from __future__ import annotations

import json

import docx
import pytest
from docx.oxml.ns import qn

from service.documents.docx import DocxParagraph, DocxText, read_docx
from tests.support.docx_samples import (
    add_notes,
    boxed_docx,
    sample_document,
    sample_docx,
    to_bytes,
)


def test_order_parts_and_styles() -> None:
    paragraphs = read_docx(sample_docx()).paragraphs
    assert [(p.part, p.style) for p in paragraphs[:4]] == [
        ("body", "Title"),
        ("body", "Heading 1"),
        ("body", "Normal"),
        ("body", "Normal"),
    ]
    styles = [p.style for p in paragraphs]
    assert styles.count("List Bullet") == 2
    assert styles.count("List Number") == 2
    assert "Quote" in styles
    cells = [p.text for p in paragraphs if p.in_table]
    assert cells == ["Tool", "Use", "Hammer", "We utilize it in order to build."]
    assert [p.part for p in paragraphs[-2:]] == ["header", "footer"]
    assert paragraphs[-2].text == "Internal report: please utilize with care"
    assert paragraphs[-1].text == "Page 1"  # the PAGE field's shown result


def test_text_of_runs_hyperlinks_fields_and_breaks() -> None:
    texts = read_docx(sample_docx()).texts
    assert (
        "We need to utilize the new tools in order to commence the work. Kept words stay bold."
        in texts
    )
    assert "See page 1 in order to utilize the index." in texts  # field result, no instruction
    assert "Read the guide in order to utilize the service." in texts  # hyperlink text
    assert "First line in order to start\nsecond line\tafter a tab." in texts
    assert "" in texts  # the empty paragraph


def test_joined_and_split_are_inverse() -> None:
    text = read_docx(sample_docx())
    joined = text.joined()
    assert DocxText.split(joined, len(text.paragraphs)) == text.texts
    assert DocxText.split(joined, len(text.paragraphs) + 1) is None
    assert DocxText.split(joined + "\n\nmore", len(text.paragraphs)) is None
    assert DocxText.split("", 0) == []
    assert DocxText.split("", 1) == [""]


def test_no_paragraph_text_holds_a_blank_line_or_edge_break() -> None:
    document = docx.Document()
    document.add_paragraph().add_run("\nstarts with a break")
    document.add_paragraph().add_run("two\n\nbreaks")
    document.add_paragraph().add_run("ends with a break\n")
    document.add_paragraph().add_run("\n\n")
    text = read_docx(to_bytes(document))
    assert text.texts == [
        "\u2028starts with a break",
        "two\n\u2028breaks",
        "ends with a break\u2028",
        "\u2028\u2028",
    ]
    assert DocxText.split(text.joined(), 4) == text.texts


def test_headers_shared_by_sections_are_read_once() -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Shared header"
    document.add_paragraph("First section")
    document.add_section()
    document.add_paragraph("Second section")
    second = document.add_section()
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "Own header"
    paragraphs = read_docx(to_bytes(document)).paragraphs
    headers = [(p.text, p.section) for p in paragraphs if p.part == "header"]
    assert headers == [("Shared header", 0), ("Own header", 2)]
    body = [(p.text, p.section) for p in paragraphs if p.part == "body" and p.text]
    assert body == [("First section", 0), ("Second section", 1)]


def test_paragraphs_serialise_to_json() -> None:
    text = read_docx(sample_docx())
    decoded = json.loads(json.dumps(text.to_dict()))
    assert decoded["paragraphs"][0] == {
        "part": "body",
        "section": 0,
        "style": "Title",
        "text": "Quarterly tooling report",
        "in_table": False,
        "list_level": None,
    }
    assert DocxParagraph(**decoded["paragraphs"][1]) == text.paragraphs[1]


@pytest.mark.parametrize("level", [0, 2])
def test_list_level_of_a_directly_numbered_paragraph(level: int) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Numbered", style="List Number")
    numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numbering.get_or_add_ilvl().val = level
    numbering.get_or_add_numId().val = 1
    assert read_docx(to_bytes(document)).paragraphs[0].list_level == level


@pytest.mark.parametrize("crafted", ["²", "٣", "9" * 5000, "-1", ""])
def test_a_list_level_that_is_not_a_number_reads_as_the_first(crafted: str) -> None:
    """A crafted ``w:ilvl``: "²" and "٣" pass ``str.isdigit()``, and int() refuses the first
    and past 4,300 digits."""
    document = docx.Document()
    paragraph = document.add_paragraph("Numbered", style="List Number")
    numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numbering.get_or_add_ilvl().set(qn("w:val"), crafted)
    numbering.get_or_add_numId().val = 1
    assert read_docx(to_bytes(document)).paragraphs[0].list_level == 0


def notes_docx() -> bytes:
    document = sample_document()
    add_notes(
        document,
        footnotes=["We utilize this source in order to check.", "A second note."],
        endnotes=["An endnote in order to end."],
    )
    return to_bytes(document)


def test_footnotes_and_endnotes_come_last_without_their_separators() -> None:
    paragraphs = read_docx(notes_docx()).paragraphs
    assert [(p.part, p.text) for p in paragraphs[-5:]] == [
        ("header", "Internal report: please utilize with care"),
        ("footer", "Page 1"),
        ("footnote", " We utilize this source in order to check."),
        ("footnote", " A second note."),
        ("endnote", " An endnote in order to end."),
    ]
    assert "See footnote 2." in [p.text for p in paragraphs if p.part == "body"]


def test_a_text_box_is_read_once_right_after_its_anchor() -> None:
    assert [(p.part, p.text) for p in read_docx(boxed_docx()).paragraphs] == [
        ("body", "Before the box."),
        ("body", "The anchor paragraph."),
        ("body", "We utilize boxes."),
        ("body", "In order to call out."),
        ("body", "After the box."),
    ]
