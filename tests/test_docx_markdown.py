"""Markdown into a style template: Word's blocks, runs, links and tables."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from service.documents.docx import read_docx, write_markdown

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
REPORT = """\
# Quarterly plan

We **must** ship *soon*, ~~not later~~, with `make test` green.
Read [the guide](https://example.com/guide) first.

## Steps

- Gather the notes
  - Sort them by team
- Write the draft

  It may take a day.

1. Review
2. Publish

> Plans are nothing; planning is everything.

```
make run
make test
```

| Team | Owner |
|:-----|------:|
| Docs | **Ana** |
| Ops  | Ben |

![a chart](https://example.com/chart.png)
"""


def written(markdown: str, template: str = "default") -> tuple[Document, list[str]]:
    data, fallbacks = write_markdown((TEMPLATES / f"{template}.docx").read_bytes(), markdown)
    return docx.Document(io.BytesIO(data)), fallbacks


def test_blocks_take_the_templates_styles() -> None:
    document, fallbacks = written(REPORT)
    assert fallbacks == []
    body = [(p.style.name, p.text) for p in document.paragraphs if p.style is not None]
    assert body == [
        ("Heading 1", "Quarterly plan"),
        ("Normal", "We must ship soon, not later, with make test green. Read the guide first."),
        ("Heading 2", "Steps"),
        ("List Bullet", "Gather the notes"),
        ("List Bullet 2", "Sort them by team"),
        ("List Bullet", "Write the draft"),
        ("List Continue", "It may take a day."),
        ("List Number", "Review"),
        ("List Number", "Publish"),
        ("Quote", "Plans are nothing; planning is everything."),
        ("macro", "make run\nmake test"),
        ("Normal", "a chart"),
    ]


def test_emphasis_code_and_links_become_run_formatting_and_hyperlinks() -> None:
    document, _ = written(REPORT)
    paragraph = document.paragraphs[1]
    runs = {run.text: run for run in paragraph.runs}
    assert runs["must"].bold
    assert runs["soon"].italic
    assert runs["not later"].font.strike
    assert runs["make test"].font.name == "Courier New"
    assert not runs["We "].bold
    (link,) = paragraph._p.findall(qn("w:hyperlink"))
    target = document.part.rels[link.get(qn("r:id"))]
    assert target.is_external
    assert target.target_ref == "https://example.com/guide"
    assert "".join(t.text for t in link.iter(qn("w:t"))) == "the guide"
    (linked,) = [Run(r, paragraph) for r in link.iter(qn("w:r"))]
    assert linked.font.underline, "Word's own look: the template has no Hyperlink style"
    assert linked.font.color.rgb == RGBColor(0x05, 0x63, 0xC1)


def test_a_link_takes_the_templates_hyperlink_style_where_it_has_one(tmp_path: Path) -> None:
    template = docx.Document(str(TEMPLATES / "default.docx"))
    template.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    path = tmp_path / "linked.docx"
    template.save(str(path))
    data, _ = write_markdown(path.read_bytes(), "See [the guide](https://example.com/guide).")
    paragraph = docx.Document(io.BytesIO(data)).paragraphs[0]
    (link,) = paragraph._p.findall(qn("w:hyperlink"))
    (linked,) = [Run(r, paragraph) for r in link.iter(qn("w:r"))]
    assert linked.style is not None
    assert linked.style.name == "Hyperlink"
    assert linked.font.color.rgb is None, "the style gives the look, not direct formatting"


def test_a_table_becomes_a_table_with_a_bold_header() -> None:
    document, _ = written(REPORT)
    (table,) = document.tables
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["Team", "Owner"],
        ["Docs", "Ana"],
        ["Ops", "Ben"],
    ]
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    assert table.rows[1].cells[1].paragraphs[0].runs[0].bold, "emphasis inside a cell"
    assert not table.rows[2].cells[0].paragraphs[0].runs[0].bold
    assert table.rows[2].cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert table.rows[2].cells[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert table.style is not None
    assert table.style.name == "Table Grid"


def test_styles_the_template_lacks_fall_back_and_are_listed(tmp_path: Path) -> None:
    template = docx.Document(str(TEMPLATES / "default.docx"))
    template.styles["List Bullet 2"].delete()
    template.styles["Quote"].delete()
    path = tmp_path / "sparse.docx"
    template.save(str(path))
    data, fallbacks = write_markdown(path.read_bytes(), "- a\n  - b\n\n> c\n")
    document = docx.Document(io.BytesIO(data))
    styles = [(p.style.name, p.text) for p in document.paragraphs if p.style is not None]
    assert styles == [("List Bullet", "a"), ("List Bullet", "b"), ("Normal", "c")]
    assert fallbacks == ["List Bullet 2", "Quote"]


def test_html_stays_text_and_nothing_is_fetched() -> None:
    document, _ = written('<script>alert("x")</script>\n\n<img src="http://127.0.0.1:9/x">')
    texts = [p.text for p in document.paragraphs]
    assert texts == ['<script>alert("x")</script>', '<img src="http://127.0.0.1:9/x">']
    assert not [r for r in document.part.rels.values() if r.is_external]


def test_empty_markdown_still_has_a_paragraph() -> None:
    data, _ = write_markdown((TEMPLATES / "default.docx").read_bytes(), "")
    assert [p.text for p in read_docx(data).paragraphs if p.part == "body"] == [""]


def test_markdown_ending_in_a_table_ends_with_a_paragraph_as_word_does() -> None:
    document, _ = written("Intro.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    blocks = [child.tag.rsplit("}", 1)[1] for child in document.element.body]
    assert blocks == ["p", "tbl", "p", "sectPr"]
    assert document.paragraphs[-1].text == ""


def test_everything_inside_a_link_stays_inside_it_and_in_order() -> None:
    document, _ = written("[two\nwords `and code` ![badge](b.png)](https://example.com) end")
    paragraph = document.paragraphs[0]
    assert paragraph.text == "two words and code badge end"
    (link,) = paragraph._p.findall(qn("w:hyperlink"))
    assert "".join(t.text for t in link.iter(qn("w:t"))) == "two words and code badge"


def numbering_of(document: Document, paragraph: Paragraph) -> tuple[str, str] | None:
    """The paragraph's own (numId, start) when it overrides its style's numbering."""
    num_id = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
    if num_id is None:
        return None
    value = num_id.get(qn("w:val"))
    definitions = document.part.numbering_part.element
    (count,) = [n for n in definitions.findall(qn("w:num")) if n.get(qn("w:numId")) == value]
    start = count.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}")
    return value, start.get(qn("w:val"))


def test_each_numbered_list_counts_from_its_own_start() -> None:
    document, _ = written("1. one\n2. two\n\nBetween.\n\n3. three\n4. four\n\n- a bullet\n")
    first, second, between, third, fourth, bullet = (
        numbering_of(document, p) for p in document.paragraphs
    )
    assert first is not None
    assert third is not None
    assert first == second
    assert third == fourth
    assert first[1] == "1"
    assert third[1] == "3", "a list that starts at 3 says so"
    assert third[0] != first[0], "the second list counts anew"
    assert between is None
    assert bullet is None


def test_libreoffice_counts_a_second_list_from_one(tmp_path: Path) -> None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    data, _ = write_markdown(
        (TEMPLATES / "default.docx").read_bytes(), "1. one\n2. two\n\nBetween.\n\n1. again\n"
    )
    path = tmp_path / "lists.docx"
    path.write_bytes(data)
    profile = (tmp_path / "lo-profile").as_uri()
    command = [found, f"-env:UserInstallation={profile}", "--headless"]
    subprocess.run(
        [*command, "--convert-to", "txt:Text", "--outdir", str(tmp_path), str(path)],
        capture_output=True,
        timeout=120,
        check=True,
    )
    lines = [line.strip() for line in path.with_suffix(".txt").read_text("utf-8-sig").splitlines()]
    assert lines == ["1. one", "2. two", "Between.", "1. again"]


def test_numbering_a_style_inherits_from_its_base_restarts_too(tmp_path: Path) -> None:
    template = docx.Document(str(TEMPLATES / "default.docx"))
    numbered = template.styles["List Number"]
    base = template.styles.add_style("Numbered Base", WD_STYLE_TYPE.PARAGRAPH)
    base.element.get_or_add_pPr().append(numbered.element.pPr.numPr)  # moved, not copied
    numbered.base_style = base
    path = tmp_path / "inherited.docx"
    template.save(str(path))
    data, _ = write_markdown(path.read_bytes(), "1. one\n\nBetween.\n\n1. again\n")
    document = docx.Document(io.BytesIO(data))
    first, _, second = (numbering_of(document, p) for p in document.paragraphs)
    assert first is not None
    assert second is not None
    assert first[0] != second[0]


def test_a_template_without_numbering_definitions_still_writes_lists(tmp_path: Path) -> None:
    template = docx.Document(str(TEMPLATES / "default.docx"))
    part = template.part
    (numbering,) = [r for r in part.rels.values() if r.reltype == RT.NUMBERING]
    part.drop_rel(numbering.rId)
    path = tmp_path / "no-numbering.docx"
    template.save(str(path))
    data, _ = write_markdown(path.read_bytes(), "1. one\n2. two\n")
    assert [p.text for p in docx.Document(io.BytesIO(data)).paragraphs] == ["one", "two"]
