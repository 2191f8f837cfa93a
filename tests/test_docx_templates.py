"""Templates: the shipped ones, listing a folder, and writing refined paragraphs into one."""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType

import docx
import docx.table
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from service.documents.docx import (
    DocxParagraph,
    DocxRejected,
    TextCountMismatch,
    list_templates,
    read_docx,
    restyle,
    write_with_template,
)
from service.documents.rendering import CannotRender, render
from tests.support.docx_samples import boxed_docx, sample_docx, to_bytes

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SHIPPED = ("academic", "business", "default")
KEPT_PARTS = ("word/styles.xml", "word/numbering.xml", "word/header1.xml", "word/footer1.xml")


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {entry.filename: archive.read(entry) for entry in archive.infolist()}


def load_build_script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("template_build", TEMPLATES / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # leave templates/ as it is
    spec.loader.exec_module(module)
    return module


def test_the_shipped_templates_are_listed_with_their_styles() -> None:
    listed = list_templates(TEMPLATES)
    assert [t["name"] for t in listed] == list(SHIPPED)
    for entry in listed:
        assert "error" not in entry
        path = TEMPLATES / str(entry["file"])
        assert entry["bytes"] == path.stat().st_size
        assert datetime.fromisoformat(str(entry["modified"])).tzinfo is not None
        styles = entry["styles"]
        assert isinstance(styles, list)
        for name in ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet", "Quote"):
            assert name in styles
        assert entry["title"]


def test_the_shipped_templates_are_distinct_and_number_their_pages() -> None:
    fonts = set()
    for name in SHIPPED:
        parts = entries((TEMPLATES / f"{name}.docx").read_bytes())
        stories = b"".join(
            body for part, body in parts.items() if "/header" in part or "/footer" in part
        )
        assert b"PAGE" in stories
        assert b"w:fldChar" in stories
        fonts.add(docx.Document(str(TEMPLATES / f"{name}.docx")).styles["Normal"].font.name)
    assert len(fonts) == len(SHIPPED)


def test_the_build_script_rebuilds_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    build = load_build_script(monkeypatch)
    for look in build.LOOKS:
        assert build.build(look) == (TEMPLATES / f"{look.name}.docx").read_bytes(), look.name


def test_a_broken_template_is_listed_with_an_error(tmp_path: Path) -> None:
    (tmp_path / "good.docx").write_bytes((TEMPLATES / "default.docx").read_bytes())
    (tmp_path / "broken.docx").write_bytes(b"this is not a zip")
    (tmp_path / "~$good.docx").write_bytes(b"a Word lock file")
    (tmp_path / ".hidden.docx").write_bytes(b"hidden")
    (tmp_path / "notes.txt").write_text("not a template")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    listed = list_templates(tmp_path)
    assert [t["file"] for t in listed] == ["broken.docx", "good.docx"]
    broken, good = listed
    assert "not a zip" in str(broken["error"])
    assert "styles" not in broken
    assert "error" not in good
    assert sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir()) == before
    assert list_templates(tmp_path / "missing") == []


def test_writing_into_a_template_keeps_its_styles_page_and_stories() -> None:
    template = (TEMPLATES / "academic.docx").read_bytes()
    paragraphs = [
        ("Title", "A refined report"),
        ("Heading 1", "Findings"),
        ("Normal", "We use the tools.\tThen\nwe start."),
        ("List Bullet", "One point"),
        ("Fancy Callout", "No such style"),
        ("heading 2", "Lower-case names still match"),
        ("Quote", "A quotation."),
    ]
    out, fallbacks = write_with_template(template, paragraphs)
    assert fallbacks == ["Fancy Callout"]
    written = read_docx(out).paragraphs
    body = [p for p in written if p.part == "body"]
    assert [(p.style, p.text) for p in body] == [
        ("Title", "A refined report"),
        ("Heading 1", "Findings"),
        ("Normal", "We use the tools.\tThen\nwe start."),
        ("List Bullet", "One point"),
        ("Normal", "No such style"),
        ("Heading 2", "Lower-case names still match"),
        ("Quote", "A quotation."),
    ]
    before, after = entries(template), entries(out)
    for part in KEPT_PARTS:
        assert after[part] == before[part], part
    old, new = docx.Document(io.BytesIO(template)), docx.Document(io.BytesIO(out))
    assert new.element.body.sectPr.xml == old.element.body.sectPr.xml
    assert "Academic template" not in read_docx(out).joined()  # the specimen body is gone


def test_a_document_read_from_docx_goes_into_a_template() -> None:
    text = read_docx(sample_docx())
    out, fallbacks = write_with_template((TEMPLATES / "business.docx").read_bytes(), text.styled)
    assert fallbacks == []  # the sample uses only styles every template has
    body = [p for p in read_docx(out).paragraphs if p.part == "body"]
    assert [p.text for p in body] == text.texts
    tags = [child.tag for child in docx.Document(io.BytesIO(out)).element.body]
    assert tags.count(qn("w:sectPr")) == 1
    assert tags[-1] == qn("w:sectPr")


def test_an_empty_body_still_has_a_paragraph() -> None:
    out, fallbacks = write_with_template((TEMPLATES / "default.docx").read_bytes(), [])
    assert fallbacks == []
    assert [p.text for p in read_docx(out).paragraphs if p.part == "body"] == [""]


def test_a_bad_template_is_rejected() -> None:
    with pytest.raises(DocxRejected):
        write_with_template(b"PK\x03\x04 broken", [("Normal", "x")])


def report_with_tables() -> bytes:
    """Paragraphs around a table with merged cells and a table nested in a cell."""
    document = docx.Document()
    document.add_heading("Tools in use", level=1)
    table = document.add_table(rows=3, cols=3)
    table.style = "Light Shading"
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Tool and use"  # across two columns
    table.cell(0, 2).text = "Owner"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Hammer"  # down two rows
    table.cell(1, 1).text = "We utilize it."
    table.cell(1, 2).text = "Ana"
    inner_cell = table.cell(2, 1)
    inner_cell.paragraphs[0].text = "Parts:"
    inner = inner_cell.add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "Head"
    inner.cell(0, 1).text = "Handle"
    table.cell(2, 2).text = "Ben"
    document.add_paragraph("After the table.", style="Quote")
    return to_bytes(document)


def body_of(data: bytes) -> list[DocxParagraph]:
    return [p for p in read_docx(data).paragraphs if p.part == "body"]


def test_a_docx_restyled_into_a_template_keeps_its_tables() -> None:
    source = report_with_tables()
    before = body_of(source)
    refined = [f"{p.text} (refined)" if p.text else "" for p in before]
    template = (TEMPLATES / "academic.docx").read_bytes()

    out, fallbacks = restyle(template, source, refined)

    assert fallbacks == []
    after = body_of(out)
    assert [p.text for p in after] == refined, "every text in its place, none lost or added"
    assert [(p.style, p.in_table) for p in after] == [(p.style, p.in_table) for p in before]
    written = docx.Document(io.BytesIO(out))
    (table,) = written.tables
    assert (len(table.rows), len(table.columns)) == (3, 3)
    assert table.style is not None
    assert table.style.name == "Light Shading"
    assert table.cell(0, 0)._tc is table.cell(0, 1)._tc, "the header still spans two columns"
    assert table.cell(1, 0)._tc is table.cell(2, 0)._tc, "the first column still spans two rows"
    assert table.cell(1, 0).text == "Hammer (refined)"
    (inner,) = table.cell(2, 1).tables
    assert [c.text for c in inner.rows[0].cells] == ["Head (refined)", "Handle (refined)"]
    before_parts, after_parts = entries(template), entries(out)
    for part in KEPT_PARTS:
        assert after_parts[part] == before_parts[part], part
    assert "Academic template" not in read_docx(out).joined()


def table_document(edit: Callable[[docx.table.Table], None], rows: int = 2, cols: int = 2) -> bytes:
    """A table whose cells name their places, changed by ``edit`` the way a
    crafted or unusual file is."""
    document = docx.Document()
    table = document.add_table(rows=rows, cols=cols)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"r{r}c{c}"
    edit(table)
    return to_bytes(document)


def test_a_column_merged_down_a_long_table_stays_one_cell() -> None:
    def merge(table: docx.table.Table) -> None:
        table.cell(0, 0).merge(table.cell(119, 0)).text = "All of column one"
        table.cell(10, 2).merge(table.cell(12, 3))  # a block of three rows and two columns

    source = table_document(merge, rows=120, cols=4)
    texts = [f"{p.text} (refined)" for p in body_of(source)]

    out, _ = restyle((TEMPLATES / "default.docx").read_bytes(), source, texts)

    assert [p.text for p in body_of(out)] == [*texts, ""]
    (written,) = docx.Document(io.BytesIO(out)).tables
    column = [written.cell(r, 0)._tc for r in range(120)]
    assert all(tc is column[0] for tc in column), "column one is one cell from top to bottom"
    assert written.cell(0, 0).text == "All of column one (refined)"
    block = {written.cell(r, c)._tc for r in range(10, 13) for c in (2, 3)}
    assert len(block) == 1
    assert written.cell(9, 2).text == "r9c2 (refined)"
    assert written.cell(13, 3).text == "r13c3 (refined)"


def test_a_merge_down_more_rows_than_python_s_recursion_limit_is_rebuilt() -> None:
    def merge_down(table: docx.table.Table) -> None:
        for r, tr in enumerate(table._tbl.tr_lst):
            tr.tc_lst[0].vMerge = "continue" if r else "restart"

    source = table_document(merge_down, rows=1200, cols=2)
    texts = [p.text for p in body_of(source)]
    out, _ = restyle((TEMPLATES / "default.docx").read_bytes(), source, texts)
    (written,) = docx.Document(io.BytesIO(out)).tables
    column = [tr.tc_lst[0] for tr in written._tbl.tr_lst]
    assert [tc.vMerge for tc in column] == ["restart"] + ["continue"] * 1199
    assert [p.text for p in body_of(out)] == [*texts, ""]


def test_a_continuing_cell_that_does_not_line_up_with_the_one_above_stands_alone() -> None:
    """A crafted ``w:vMerge`` under a narrower cell: no cell of the row above is taken over."""

    def misalign(table: docx.table.Table) -> None:
        table.cell(0, 0)._tc.vMerge = "restart"
        wide = table.cell(1, 0).merge(table.cell(1, 1))
        wide.text = "wide"
        wide._tc.vMerge = "continue"

    source = table_document(misalign, cols=3)
    texts = [p.text for p in body_of(source)]

    out, _ = restyle((TEMPLATES / "default.docx").read_bytes(), source, texts)

    (written,) = docx.Document(io.BytesIO(out)).tables
    assert [[c.text for c in row.cells] for row in written.rows] == [
        ["r0c0", "r0c1", "r0c2"],
        ["wide", "wide", "r1c2"],
    ]


def test_a_table_style_the_template_lacks_becomes_a_plain_grid() -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.style = "Medium Grid 3 Accent 2"
    table.cell(0, 0).text = "a"
    document.styles["Medium Grid 3 Accent 2"].name = "House Table"  # a custom table style
    source = to_bytes(document)
    texts = [p.text for p in body_of(source)]
    out, _ = restyle((TEMPLATES / "business.docx").read_bytes(), source, texts)
    (written,) = docx.Document(io.BytesIO(out)).tables
    assert written.style is not None
    assert written.style.name == "Table Grid"


def test_the_sample_document_keeps_its_table_in_a_template() -> None:
    source = sample_docx()
    texts = [p.text for p in body_of(source)]
    out, fallbacks = restyle((TEMPLATES / "default.docx").read_bytes(), source, texts)
    assert fallbacks == []
    assert [p.text for p in body_of(out)] == texts
    assert len(docx.Document(io.BytesIO(out)).tables) == 1


def test_restyling_needs_one_text_per_body_paragraph() -> None:
    source = report_with_tables()
    texts = [p.text for p in body_of(source)]
    template = (TEMPLATES / "default.docx").read_bytes()
    for wrong in (texts[:-1], [*texts, "one too many"]):
        with pytest.raises(TextCountMismatch):
            restyle(template, source, wrong)


def test_a_text_box_follows_its_anchor_in_a_template() -> None:
    source = boxed_docx()
    texts = [f"{p.text} ({n})" for n, p in enumerate(body_of(source))]
    out, _ = restyle((TEMPLATES / "default.docx").read_bytes(), source, texts)
    assert [p.text for p in body_of(out)] == [
        "Before the box. (0)",
        "The anchor paragraph. (1)",
        "We utilize boxes. (2)",
        "In order to call out. (3)",
        "After the box. (4)",
    ]


def grid_span(value: str) -> Callable[[docx.table.Table], None]:
    def edit(table: docx.table.Table) -> None:
        span = OxmlElement("w:gridSpan")
        span.set(qn("w:val"), value)
        table.cell(0, 0)._tc.get_or_add_tcPr().append(span)

    return edit


def row_markup(tag: str) -> Callable[[docx.table.Table], None]:
    def edit(table: docx.table.Table) -> None:
        mark = OxmlElement(tag)
        mark.set(qn("w:id"), "0")
        if tag == "w:bookmarkStart":
            mark.set(qn("w:name"), "cells")
        table.rows[0]._tr.insert(0, mark)

    return edit


def grid_before_of(value: str) -> Callable[[docx.table.Table], None]:
    """The second row starts one grid column in, its first cell left out (as Word writes it)."""

    def edit(table: docx.table.Table) -> None:
        row = table.rows[1]._tr
        before = OxmlElement("w:gridBefore")
        before.set(qn("w:val"), value)
        row.get_or_add_trPr().append(before)
        row.remove(row.tc_lst[0])

    return edit


grid_before = grid_before_of("1")


def test_a_row_that_starts_off_the_grid_keeps_its_place_in_a_template() -> None:
    def shape(table: docx.table.Table) -> None:
        grid_before(table)
        after = OxmlElement("w:gridAfter")
        after.set(qn("w:val"), "1")
        first = table.rows[0]._tr
        first.get_or_add_trPr().append(after)
        first.remove(first.tc_lst[-1])

    source = table_document(shape, rows=2, cols=3)
    texts = [f"{p.text}!" for p in body_of(source)]
    out, _ = restyle((TEMPLATES / "default.docx").read_bytes(), source, texts)
    (written,) = docx.Document(io.BytesIO(out)).tables
    rows = [row._tr for row in written.rows]
    assert [(tr.grid_before, tr.grid_after) for tr in rows] == [(0, 1), (1, 0)]
    assert [[docx.table._Cell(tc, written).text for tc in tr.tc_lst] for tr in rows] == [
        ["r0c0!", "r0c1!"],
        ["r1c1!", "r1c2!"],
    ]


@pytest.mark.parametrize(
    ("edit", "stays_a_table"),
    [
        (row_markup("w:bookmarkStart"), True),
        (row_markup("w:permEnd"), True),
        (grid_span("20000"), False),  # wider than Word allows: a crafted file
        (grid_span("²"), False),  # a digit to str.isdigit, not a number
        (grid_span("9" * 5000), False),  # past Python's limit for int()
        (grid_before, True),
        (grid_before_of("x"), False),  # a margin that is not a number
    ],
)
def test_unusual_tables_keep_every_text_and_only_plain_ones_stay_tables(
    edit: Callable[[docx.table.Table], None], stays_a_table: bool
) -> None:
    source = table_document(edit)
    texts = [p.text for p in body_of(source)]
    out, _ = restyle((TEMPLATES / "default.docx").read_bytes(), source, texts)
    # Word ends a body with a paragraph: after a last table, an empty one.
    assert [p.text for p in body_of(out)] == texts + ([""] if stays_a_table else [])
    assert len(docx.Document(io.BytesIO(out)).tables) == (1 if stays_a_table else 0)


def test_a_template_without_a_grid_style_still_rules_the_table(tmp_path: Path) -> None:
    template = docx.Document(str(TEMPLATES / "default.docx"))
    template.styles["Table Grid"].delete()
    path = tmp_path / "no-grid.docx"
    template.save(str(path))
    source = table_document(lambda table: None)
    out, _ = restyle(path.read_bytes(), source, [p.text for p in body_of(source)])
    (table,) = docx.Document(io.BytesIO(out)).tables
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None
    assert {child.get(qn("w:val")) for child in borders} == {"single"}
    properties = [child.tag for child in table._tbl.tblPr]
    assert properties.index(qn("w:tblBorders")) < properties.index(qn("w:tblLook")), (
        "in the schema's order"
    )


def crafted_template(tmp_path: Path) -> Path:
    """A template whose styles part holds a style of no type Word knows."""
    template = docx.Document(str(TEMPLATES / "default.docx"))
    bogus = OxmlElement("w:style")
    bogus.set(qn("w:type"), "bogus")
    bogus.set(qn("w:styleId"), "Bogus")
    template.styles.element.append(bogus)
    path = tmp_path / "crafted.docx"
    template.save(str(path))
    return path


def test_a_template_with_unreadable_styles_is_listed_with_an_error(tmp_path: Path) -> None:
    crafted_template(tmp_path)
    (listed,) = list_templates(tmp_path)
    assert listed["name"] == "crafted"
    assert "styles cannot be read" in str(listed["error"])


def test_rendering_into_a_template_with_unreadable_styles_cannot_render(tmp_path: Path) -> None:
    template = crafted_template(tmp_path).read_bytes()
    with pytest.raises(CannotRender, match="styles cannot be read"):
        render("docx", "md", "# Title\n\nText.", template=template)
    source = report_with_tables()
    with pytest.raises(CannotRender, match="styles cannot be read"):
        render("docx", "docx", read_docx(source).joined(), source=source, template=template)
