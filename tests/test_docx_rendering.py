"""Rendering a refined text as .docx, for texts refined before notes and text boxes were read."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from service.documents.docx import Reach, read_docx
from service.documents.rendering import CannotRender, render, tracked_changes
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

    out = render("docx", "docx", text, source=source, original=older.joined()).data

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
        original=before,
    ).data
    assert "We use the body." in read_docx(styled).texts
    assert "We utilize the box." in read_docx(styled).texts, "the box kept its words"

    when = datetime(2026, 1, 1, tzinfo=UTC)
    tracked = tracked_changes(
        "docx", before, refined(before), source=source, author="r", date=when, original=before
    )
    document = docx.Document(io.BytesIO(tracked))
    assert document.element.body.xpath(".//w:ins"), "the change is a tracked insertion"
    assert "We utilize the box." in read_docx(tracked).texts, "the box, outside the text, is kept"


def test_the_current_text_renders_with_everything_in_it() -> None:
    source = noted_and_boxed()
    original = read_docx(source).joined()
    text = refined(original)
    out = render("docx", "docx", text, source=source, original=original).data
    assert read_docx(out).texts == text.split("\n\n")


def test_a_text_that_lost_a_paragraph_is_refused_not_fitted_to_the_older_reach() -> None:
    source = noted_and_boxed()
    original = read_docx(source).joined()
    merged = original.replace("\n\n", " ", 2)  # as many paragraphs as the older reach has
    assert len(merged.split("\n\n")) == len(read_docx(source, Reach.MAIN).paragraphs)
    with pytest.raises(CannotRender):
        render("docx", "docx", merged, source=source, original=original)


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


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("# A", "## A"),
        ("**x**", "*x*"),
        ("[a](http://x.example)", "[a](http://y.example)"),
        ("1. a", "3. a"),
        ("Plain", "`Plain`"),
    ],
)
def test_a_change_of_markup_alone_still_shows_as_a_revision(before: str, after: str) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    tracked = tracked_changes("md", before, after, source=None, author="r", date=when)
    body = docx.Document(io.BytesIO(tracked)).element.body
    assert list(body.iter(qn("w:ins"))) or list(body.iter(qn("w:del"))), "the change shows"


def test_characters_xml_cannot_hold_are_left_out_of_a_word_document() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    for fmt in ("txt", "md"):
        out = render("docx", fmt, "page one\x0cpage two\x00.").data
        assert "page onepage two." in read_docx(out).joined()
        tracked = tracked_changes(fmt, "a\x0cb", "a\x0cc", source=None, author="r", date=when)
        assert read_docx(tracked).texts == ["ac"]
        body = zipfile.ZipFile(io.BytesIO(tracked)).read("word/document.xml").decode()
        assert "<w:delText>ab</w:delText>" in body
