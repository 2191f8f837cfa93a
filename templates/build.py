"""Build the style templates in this folder: ``default.docx``, ``academic.docx``, ``business.docx``.

Run ``.venv/bin/python templates/build.py`` after changing a look below. Each
template is python-docx's default document restyled: fonts (set on every
script, with the theme fonts removed so they apply), heading, title, list,
quote and caption styles, margins and page size, and a header and footer
with page number fields. Its body is a short specimen of the styles; the
service replaces the body and keeps everything else.

The output is deterministic: fixed document properties and zip entry
times, so rebuilding without a change leaves the files as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from service.documents.docx import save_document

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Look:
    """Everything that tells one template from another."""

    name: str
    title: str
    description: str
    body_font: str
    heading_font: str
    body_size: float  # points
    heading_color: RGBColor
    accent_color: RGBColor
    margins_cm: tuple[float, float, float, float]  # top, right, bottom, left
    line_spacing: float
    space_after: float  # points after a body paragraph
    first_line_indent_cm: float
    justified: bool
    header: tuple[str, ...]  # pieces; "{PAGE}" and "{NUMPAGES}" become fields
    header_align: WD_ALIGN_PARAGRAPH
    footer: tuple[str, ...]
    footer_align: WD_ALIGN_PARAGRAPH


LOOKS = (
    Look(
        name="default",
        title="Default",
        description="Calibri body, Calibri Light headings in blue, 2.5 cm margins, page x of y.",
        body_font="Calibri",
        heading_font="Calibri Light",
        body_size=11,
        heading_color=RGBColor(0x2F, 0x54, 0x96),
        accent_color=RGBColor(0x59, 0x59, 0x59),
        margins_cm=(2.5, 2.5, 2.5, 2.5),
        line_spacing=1.15,
        space_after=8,
        first_line_indent_cm=0,
        justified=False,
        header=(),
        header_align=WD_ALIGN_PARAGRAPH.RIGHT,
        footer=("Page ", "{PAGE}", " of ", "{NUMPAGES}"),
        footer_align=WD_ALIGN_PARAGRAPH.CENTER,
    ),
    Look(
        name="academic",
        title="Academic",
        description="Times New Roman 12 pt, 1.5 lines, justified, indented first lines, "
        "black headings, 2.54 cm margins, page number top right.",
        body_font="Times New Roman",
        heading_font="Times New Roman",
        body_size=12,
        heading_color=RGBColor(0, 0, 0),
        accent_color=RGBColor(0x40, 0x40, 0x40),
        margins_cm=(2.54, 2.54, 2.54, 2.54),
        line_spacing=1.5,
        space_after=0,
        first_line_indent_cm=1.27,
        justified=True,
        header=("{PAGE}",),
        header_align=WD_ALIGN_PARAGRAPH.RIGHT,
        footer=(),
        footer_align=WD_ALIGN_PARAGRAPH.CENTER,
    ),
    Look(
        name="business",
        title="Business",
        description="Arial 10.5 pt, Georgia headings in navy, 2 cm margins, page x / y at the "
        "bottom right.",
        body_font="Arial",
        heading_font="Georgia",
        body_size=10.5,
        heading_color=RGBColor(0x1F, 0x38, 0x64),
        accent_color=RGBColor(0x2E, 0x75, 0x8C),
        margins_cm=(2.0, 2.0, 2.0, 2.0),
        line_spacing=1.1,
        space_after=6,
        first_line_indent_cm=0,
        justified=False,
        header=(),
        header_align=WD_ALIGN_PARAGRAPH.RIGHT,
        footer=("{PAGE}", " / ", "{NUMPAGES}"),
        footer_align=WD_ALIGN_PARAGRAPH.RIGHT,
    ),
)


def set_font(style: ParagraphStyle, name: str) -> None:
    """Use ``name`` for every script, dropping theme fonts, which would win over it."""
    properties = style.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), name)


def set_size(style: ParagraphStyle, points: float) -> None:
    """The size of Latin and of complex-script text alike."""
    style.font.size = Pt(points)
    size = OxmlElement("w:szCs")
    size.set(qn("w:val"), str(round(points * 2)))
    properties = style.element.get_or_add_rPr()
    properties.remove_all("w:szCs")
    properties.find(qn("w:sz")).addnext(size)  # the schema's order: w:sz, then w:szCs


def paragraph_style(document: Document, name: str) -> ParagraphStyle:
    style = document.styles[name]
    assert isinstance(style, ParagraphStyle), name
    return style


def restyle(document: Document, look: Look) -> None:
    normal = paragraph_style(document, "Normal")
    set_font(normal, look.body_font)
    set_size(normal, look.body_size)
    body = normal.paragraph_format
    body.space_after = Pt(look.space_after)
    body.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    body.line_spacing = look.line_spacing
    if look.justified:
        body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if look.first_line_indent_cm:
        body.first_line_indent = Cm(look.first_line_indent_cm)

    sizes = {"Title": 2.4, "Subtitle": 1.35, "Heading 1": 1.6, "Heading 2": 1.3, "Heading 3": 1.1}
    for name, scale in sizes.items():
        style = paragraph_style(document, name)
        set_font(style, look.heading_font)
        set_size(style, round(look.body_size * scale * 2) / 2)
        style.font.color.rgb = look.accent_color if name == "Subtitle" else look.heading_color
        style.font.bold = name.startswith("Heading") or (name == "Title" and look.name != "default")
        fmt = style.paragraph_format
        fmt.first_line_indent = Cm(0)
        fmt.alignment = (
            WD_ALIGN_PARAGRAPH.CENTER
            if look.name == "academic" and name in ("Title", "Subtitle")
            else WD_ALIGN_PARAGRAPH.LEFT
        )
        fmt.space_before = Pt(0 if name in ("Title", "Subtitle") else look.body_size * 1.5)
        fmt.space_after = Pt(look.body_size * 0.5)
        fmt.keep_with_next = True
    for name in ("List Bullet", "List Number", "List Bullet 2", "List Number 2", "Caption"):
        fmt = paragraph_style(document, name).paragraph_format
        fmt.first_line_indent = None
        fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt.space_after = Pt(look.space_after / 2)
    caption = paragraph_style(document, "Caption")
    caption.font.color.rgb = look.accent_color
    set_size(caption, look.body_size - 1.5)
    for name, indent in (("Quote", 1.0), ("Intense Quote", 1.5)):
        quote = paragraph_style(document, name)
        quote.font.italic = True
        quote.font.color.rgb = look.accent_color
        fmt = quote.paragraph_format
        fmt.left_indent = Cm(indent)
        fmt.right_indent = Cm(indent)
        fmt.first_line_indent = Cm(0)
        fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for name in ("Header", "Footer"):
        style = paragraph_style(document, name)
        set_size(style, look.body_size - 2)
        style.font.color.rgb = look.accent_color
        style.paragraph_format.first_line_indent = Cm(0)
        style.paragraph_format.space_after = Pt(0)


def add_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A complex field: Word and LibreOffice compute it when the page is laid out."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, shown)):
        run = paragraph.add_run()
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text is instruction:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)
        else:
            run.text = shown
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def fill_story(paragraph: Paragraph, pieces: tuple[str, ...], align: WD_ALIGN_PARAGRAPH) -> None:
    paragraph.alignment = align
    for piece in pieces:
        if piece in ("{PAGE}", "{NUMPAGES}"):
            add_field(paragraph, piece.strip("{}"), "1")
        else:
            paragraph.add_run(piece)


def page_setup(document: Document, look: Look) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, right, bottom, left = (Cm(value) for value in look.margins_cm)
    section.top_margin, section.right_margin = top, right
    section.bottom_margin, section.left_margin = bottom, left
    section.header_distance = section.footer_distance = Cm(1.25)
    fill_story(section.header.paragraphs[0], look.header, look.header_align)
    fill_story(section.footer.paragraphs[0], look.footer, look.footer_align)


def specimen(document: Document, look: Look) -> None:
    """A body that shows the styles; documents written into the template replace it."""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    document.add_paragraph(f"{look.title} template", style="Title")
    document.add_paragraph(look.description, style="Subtitle")
    document.add_paragraph("Heading 1", style="Heading 1")
    document.add_paragraph(
        "Body text in the Normal style. Refined documents written into this template keep "
        "its styles, page setup, header and footer; their paragraphs replace this text.",
    )
    document.add_paragraph("Heading 2", style="Heading 2")
    document.add_paragraph("A bulleted item (List Bullet).", style="List Bullet")
    document.add_paragraph("A numbered item (List Number).", style="List Number")
    document.add_paragraph("A quotation in the Quote style.", style="Quote")
    document.add_paragraph("Heading 3", style="Heading 3")
    document.add_paragraph("A caption (Caption).", style="Caption")


def properties(document: Document, look: Look) -> None:
    core = document.core_properties
    core.title = look.title
    core.subject = look.description
    core.author = "Refiner"
    core.last_modified_by = "Refiner"
    core.keywords = "template"
    core.revision = 1
    core.created = core.modified = core.last_printed = FIXED_TIME


def build(look: Look) -> bytes:
    document = docx.Document()
    restyle(document, look)
    page_setup(document, look)
    specimen(document, look)
    properties(document, look)
    return save_document(document)


def main() -> None:
    for look in LOOKS:
        path = HERE / f"{look.name}.docx"
        data = build(look)
        if path.exists() and path.read_bytes() == data:
            print(f"{path.name}: unchanged")
            continue
        path.write_bytes(data)
        print(f"{path.name}: written ({len(data)} bytes)")


if __name__ == "__main__":
    main()
