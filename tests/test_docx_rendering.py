"""Rendering a refined text as .docx, for texts refined before notes and text boxes were read."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.oxml.ns import qn

from service.documents.docx import Reach, read_docx
from service.documents.rendering import render, tracked_changes
from tests.support.docx_samples import add_notes, add_text_box, to_bytes

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def noted_and_boxed() -> bytes:
    document = docx.Document()
    document.add_paragraph("We utilize the body.")
    anchor = document.add_paragraph("The anchor.")
    add_text_box(anchor, ["We utilize the box."])
    add_notes(document, ["We utilize the note."], [])
    return to_bytes(document)


def refined(text: str) -> str:
    return text.replace("utilize", "use")


def test_a_text_read_before_notes_and_boxes_still_renders() -> None:
    source = noted_and_boxed()
    older = read_docx(source, Reach.MAIN)
    assert "We utilize the box." not in older.texts, "the older text has no text boxes"
    text = refined(older.joined())

    out = render("docx", "docx", text, source=source).data

    after = read_docx(out).texts
    assert after[0] == "We use the body."
    assert "We utilize the box." in after, "what the older text did not hold stays as it was"
    assert " We utilize the note." in after


def test_it_renders_into_a_template_and_as_tracked_changes_too() -> None:
    source = noted_and_boxed()
    before = read_docx(source, Reach.MAIN).joined()
    styled = render(
        "docx",
        "docx",
        refined(before),
        source=source,
        template=(TEMPLATES / "default.docx").read_bytes(),
    ).data
    assert "We use the body." in read_docx(styled).texts

    when = datetime(2026, 1, 1, tzinfo=UTC)
    tracked = tracked_changes("docx", before, refined(before), source=source, author="r", date=when)
    document = docx.Document(io.BytesIO(tracked))
    assert document.element.body.xpath(".//w:ins"), "the change is a tracked insertion"
    assert "We utilize the box." in read_docx(tracked).texts, "the box, outside the text, is kept"


def test_the_current_text_renders_with_everything_in_it() -> None:
    source = noted_and_boxed()
    text = refined(read_docx(source).joined())
    out = render("docx", "docx", text, source=source).data
    assert read_docx(out).texts == text.split("\n\n")


def test_markdown_changes_are_tracked_in_the_rendered_document() -> None:
    before = "# Plan\n\nWe **need** to utilize it.\n\n- in order to go\n- stay"
    after = "# Plan\n\nWe **need** to use it.\n\n- to go\n- stay"
    when = datetime(2026, 1, 1, tzinfo=UTC)
    tracked = tracked_changes("md", before, after, source=None, author="r", date=when)
    document = docx.Document(io.BytesIO(tracked))
    body = document.element.body
    assert [d.text for d in body.iter(qn("w:delText"))] == ["utilize", "in order "]
    assert "".join(t.text for t in body.iter(qn("w:t"))).count("**") == 0, "no Markdown marks"
    assert document.paragraphs[0].style is not None
    assert document.paragraphs[0].style.name == "Heading 1"
    assert [r.text for r in document.paragraphs[1].runs if r.bold] == ["need"]


def test_markdown_whose_blocks_changed_in_number_is_still_tracked() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    tracked = tracked_changes("md", "- a\n- b", "- a b", source=None, author="r", date=when)
    body = docx.Document(io.BytesIO(tracked)).element.body
    assert [d.text for d in body.iter(qn("w:delText"))] == ["-"], "tracked, as one block"
