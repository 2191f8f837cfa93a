"""tracked_changes_docx: every change is a w:ins or w:del that accepts into the new text."""

from __future__ import annotations

import copy
import io
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from service.documents.docx import (
    DocxRejected,
    ParagraphCountChanged,
    apply_texts,
    read_docx,
    tracked_changes_docx,
)
from tests.support.docx_samples import add_text_box, refine_texts, sample_docx, to_bytes

AUTHOR = "concise · local"
WHEN = datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# An lxml element; lxml ships no type information.
Element = Any


def stories(document: Any) -> list[Element]:
    roots = [document.element.body]
    for section in document.sections:
        for story in (section.header, section.footer):
            if not story.is_linked_to_previous:
                roots.append(story.part.element)
    return roots


def revisions(data: bytes) -> list[Element]:
    roots = stories(docx.Document(io.BytesIO(data)))
    return [r for root in roots for r in root.xpath(".//w:ins | .//w:del")]


def resolve(data: bytes, *, accept: bool) -> bytes:
    """Accept or reject every revision, as a person would in Word, without the library."""
    document = docx.Document(io.BytesIO(data))
    roots = stories(document)
    drop, keep = (qn("w:del"), qn("w:ins")) if accept else (qn("w:ins"), qn("w:del"))
    for root in roots:
        for wrapper in root.xpath(".//w:ins | .//w:del"):
            parent = wrapper.getparent()
            if wrapper.tag == drop:
                parent.remove(wrapper)
                continue
            assert wrapper.tag == keep
            index = parent.index(wrapper)
            for offset, run in enumerate(list(wrapper)):
                for deleted in run.iter(qn("w:delText")):
                    deleted.tag = qn("w:t")
                parent.insert(index + offset, copy.deepcopy(run))
            parent.remove(wrapper)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def tracked() -> tuple[bytes, list[str], list[str], bytes]:
    data = sample_docx()
    before = read_docx(data).texts
    after = refine_texts(before)
    return data, before, after, tracked_changes_docx(data, before, after, author=AUTHOR, date=WHEN)


def test_changes_are_revisions_with_author_and_date(
    tracked: tuple[bytes, list[str], list[str], bytes],
) -> None:
    *_, out = tracked
    found = revisions(out)
    kinds = Counter(r.tag.rsplit("}", 1)[1] for r in found)
    assert kinds["ins"] >= 10
    assert kinds["del"] >= 10
    assert {r.get(qn("w:author")) for r in found} == {AUTHOR}
    assert {r.get(qn("w:date")) for r in found} == {"2025-03-04T05:06:07Z"}
    ids = [r.get(qn("w:id")) for r in found]
    assert len(set(ids)) == len(ids)
    assert 7 not in {int(i) for i in ids}  # the sample's bookmark id is not reused
    for r in found:
        if r.tag == qn("w:del"):
            assert list(r.iter(qn("w:t"))) == []
            assert list(r.iter(qn("w:delText")))
        else:
            assert list(r.iter(qn("w:delText"))) == []


def test_accepting_gives_the_new_text_and_rejecting_the_old(
    tracked: tuple[bytes, list[str], list[str], bytes],
) -> None:
    _, before, after, out = tracked
    assert read_docx(resolve(out, accept=True)).texts == after
    assert read_docx(resolve(out, accept=False)).texts == before
    # The library's reader skips deletions, so it sees the new text as well.
    assert read_docx(out).texts == after


def test_formatting_of_changes_follows_their_runs(
    tracked: tuple[bytes, list[str], list[str], bytes],
) -> None:
    *_, out = tracked
    inserted_use = [
        r
        for r in revisions(out)
        if r.tag == qn("w:ins") and "".join(r.itertext()).startswith("use")
    ]
    assert any(r.find(f"{W}r/{W}rPr/{W}b") is not None for r in inserted_use)  # "utilize" was bold


def test_from_a_later_pass_the_old_texts_are_applied_first() -> None:
    data = sample_docx()
    original = read_docx(data).texts
    first = refine_texts(original, ("concise",))
    second = refine_texts(first, ("plain",))
    out = tracked_changes_docx(data, first, second, author=AUTHOR, date=WHEN)
    assert read_docx(resolve(out, accept=False)).texts == first
    assert read_docx(resolve(out, accept=True)).texts == second
    assert read_docx(apply_texts(data, first)).texts == first


def test_from_styles_only_a_plain_document_is_built() -> None:
    styled = [("Heading 1", "A title"), ("Invented Style", "We utilize tools."), ("Normal", "")]
    old = [text for _, text in styled]
    new = ["A title", "We use tools.", "Added later."]
    when = datetime(2025, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    out = tracked_changes_docx(styled, old, new, author=AUTHOR, date=when)
    paragraphs = read_docx(out).paragraphs
    assert [p.style for p in paragraphs] == ["Heading 1", "Normal", "Normal"]
    assert read_docx(resolve(out, accept=True)).texts == new
    assert read_docx(resolve(out, accept=False)).texts == old
    assert {r.get(qn("w:date")) for r in revisions(out)} == {"2025-01-01T10:00:00Z"}
    from_text = tracked_changes_docx(
        read_docx(out), new, old, author=AUTHOR, date=when
    )  # a DocxText works too
    assert read_docx(resolve(from_text, accept=True)).texts == old


def test_counts_must_match() -> None:
    with pytest.raises(ParagraphCountChanged):
        tracked_changes_docx([("Normal", "a")], ["a"], ["a", "b"], author="x", date=WHEN)
    with pytest.raises(ParagraphCountChanged):
        tracked_changes_docx([("Normal", "a")], ["a", "b"], ["a", "c"], author="x", date=WHEN)
    with pytest.raises(DocxRejected):
        tracked_changes_docx(b"not a docx", ["a"], ["b"], author="x", date=WHEN)


def test_a_text_box_and_its_fallback_copy_have_revisions_of_their_own() -> None:
    document = docx.Document()
    anchor = document.add_paragraph("The anchor paragraph.")
    add_text_box(anchor, ["We utilize boxes."])
    data = to_bytes(document)

    out = tracked_changes_docx(
        data,
        ["The anchor paragraph.", "We utilize boxes."],
        ["The anchor paragraph.", "We use boxes."],
        author=AUTHOR,
        date=WHEN,
    )

    body = docx.Document(io.BytesIO(out)).element.body
    choice, fallback = list(body.iter(f"{MC}Choice")), list(body.iter(f"{MC}Fallback"))
    assert len(choice) == len(fallback) == 1
    shown = list(choice[0].iter(f"{W}ins", f"{W}del"))
    copied = list(fallback[0].iter(f"{W}ins", f"{W}del"))
    assert [r.tag for r in copied] == [r.tag for r in shown] != []
    ids = [r.get(qn("w:id")) for r in shown + copied]
    assert len(set(ids)) == len(ids), "every revision's w:id is its own"
    accepted = docx.Document(io.BytesIO(resolve(out, accept=True))).element.body
    assert [b.xpath("string(.)") for b in accepted.iter(f"{W}txbxContent")] == ["We use boxes."] * 2


@pytest.mark.parametrize("crafted", ["²", "9" * 5000])
def test_an_annotation_id_that_is_not_a_number_is_passed_over(crafted: str) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("We utilize it.")
    mark = OxmlElement("w:bookmarkStart")
    mark.set(qn("w:id"), crafted)
    mark.set(qn("w:name"), "crafted")
    paragraph._p.append(mark)

    out = tracked_changes_docx(
        to_bytes(document), ["We utilize it."], ["We use it."], author=AUTHOR, date=WHEN
    )

    assert [r.get(qn("w:id")) for r in revisions(out)] == ["1", "2"]
    assert read_docx(resolve(out, accept=True)).texts == ["We use it."]
