"""``.docx`` fixtures built with python-docx, and the raw XML python-docx has no API for.

``sample_docx()`` holds what a refinement must not break: a title,
headings, bullet and numbered lists, a quote, a table, bold and italic runs
that span phrases the local engine rewrites, a hyperlink, a bookmark, PAGE
fields, a comment, an inline image, a soft line break and a tab, an empty
paragraph, a header and a footer.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence

import docx
from docx.document import Document
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from service.engines import local

LINK_URL = "https://example.com/guide"
# A plan of local strategies whose rules all fire somewhere in the sample.
REFINE_PLAN = ("normalize", "concise", "plain")


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG, written by hand (zlib + struct)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def add_hyperlink(paragraph: Paragraph, text: str, url: str, *, bold: bool = False) -> None:
    """A ``w:hyperlink`` to ``url`` holding one run (python-docx cannot add one)."""
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    properties.append(style)
    if bold:
        properties.append(OxmlElement("w:b"))
    run.append(properties)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def add_field(paragraph: Paragraph, instruction: str, result: str) -> None:
    """A complex field (begin, instruction, separate, result, end), e.g. `` PAGE ``."""

    def run_with(*children: object) -> None:
        run = OxmlElement("w:r")
        for child in children:
            run.append(child)
        paragraph._p.append(run)

    def fld_char(kind: str) -> object:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    shown = OxmlElement("w:t")
    shown.text = result
    run_with(fld_char("begin"))
    run_with(instr)
    run_with(fld_char("separate"))
    run_with(shown)
    run_with(fld_char("end"))


def add_bookmark(paragraph: Paragraph, name: str, bookmark_id: int, text: str) -> Run:
    """A bookmark named ``name`` around a new run showing ``text``."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    paragraph._p.append(start)
    run = paragraph.add_run(text)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    paragraph._p.append(end)
    return run


def sample_document() -> Document:
    document = docx.Document()
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = "Internal report: please utilize with care"
    footer = section.footer.paragraphs[0]
    footer.add_run("Page ")
    add_field(footer, "PAGE", "1")

    document.add_paragraph("Quarterly tooling report", style="Title")
    document.add_heading("Introduction to the tools", level=1)

    body = document.add_paragraph("We need to ")
    body.add_run("utilize the new").bold = True
    body.add_run(" tools in order").italic = True
    body.add_run(" to commence the work. ")
    body.add_run("Kept words stay bold.").bold = True

    fields = document.add_paragraph("See page ")
    add_field(fields, "PAGE", "1")
    fields.add_run(" in order to ")
    add_bookmark(fields, "target", 7, "utilize")
    fields.add_run(" the index.")

    document.add_heading("Lists", level=2)
    document.add_paragraph("Utilize the first bullet.", style="List Bullet")
    document.add_paragraph("A second bullet, kept as it is.", style="List Bullet")
    document.add_paragraph("Commence with step one.", style="List Number")
    document.add_paragraph("Then step two in order to finish.", style="List Number")
    document.add_paragraph("We should utilize quotes sparingly.", style="Quote")

    table = document.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    table.cell(0, 0).text = "Tool"
    table.cell(0, 1).text = "Use"
    table.cell(1, 0).text = "Hammer"
    cell = table.cell(1, 1).paragraphs[0]
    cell.add_run("We utilize it ")
    cell.add_run("in order to").italic = True
    cell.add_run(" build.")

    link = document.add_paragraph("Read ")
    add_hyperlink(link, "the guide in order to", LINK_URL, bold=True)
    link.add_run(" utilize the service.")

    picture = document.add_paragraph("Figure one: ")
    picture.add_run().add_picture(io.BytesIO(tiny_png()), width=Pt(24))
    picture.add_run(" we utilize a chart.")

    commented = document.add_paragraph("Reviewers ")
    noted = commented.add_run("commence")
    commented.add_run(" the review.")
    document.add_comment(noted, text="Check this word.", author="Reviewer", initials="R")

    breaks = document.add_paragraph()
    breaks.add_run("First line in order to start\nsecond line\tafter a tab.")
    document.add_paragraph()
    document.add_paragraph("The end.")
    return document


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _notes_xml(kind: str, texts: Sequence[str]) -> bytes:
    """A footnotes or endnotes part: Word's two separator notes, then one note per text."""
    notes = [
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>',
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        f"<w:continuationSeparator/></w:r></w:p></w:{kind}>",
    ]
    for number, text in enumerate(texts, start=1):
        notes.append(
            f'<w:{kind} w:id="{number}"><w:p><w:r><w:{kind}Ref/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{kind}>'
        )
    return f'<w:{kind}s xmlns:w="{_W}">{"".join(notes)}</w:{kind}s>'.encode()


def add_notes(document: Document, footnotes: Sequence[str], endnotes: Sequence[str]) -> None:
    """Footnotes and endnotes, each referenced from a paragraph of its own at the end."""
    package = document.part.package
    for kind, texts, content_type, relationship in (
        ("footnote", footnotes, CONTENT_TYPE.WML_FOOTNOTES, RELATIONSHIP_TYPE.FOOTNOTES),
        ("endnote", endnotes, CONTENT_TYPE.WML_ENDNOTES, RELATIONSHIP_TYPE.ENDNOTES),
    ):
        part = Part(PackURI(f"/word/{kind}s.xml"), content_type, _notes_xml(kind, texts), package)
        document.part.relate_to(part, relationship)
        for number in range(1, len(texts) + 1):
            paragraph = document.add_paragraph(f"See {kind} {number}.")
            reference = OxmlElement(f"w:{kind}Reference")
            reference.set(qn("w:id"), str(number))
            paragraph.add_run()._r.append(reference)


_TEXT_BOX = """\
<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
    xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
    xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    xmlns:v="urn:schemas-microsoft-com:vml">
  <mc:Choice Requires="wps">
    <w:drawing>
      <wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0"
          relativeHeight="{number}" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">
        <wp:simplePos x="0" y="0"/>
        <wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>
        <wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>
        <wp:extent cx="2743200" cy="914400"/>
        <wp:effectExtent l="0" t="0" r="0" b="0"/>
        <wp:wrapSquare wrapText="bothSides"/>
        <wp:docPr id="{number}" name="Text Box {number}"/>
        <wp:cNvGraphicFramePr/>
        <a:graphic>
          <a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
            <wps:wsp>
              <wps:cNvSpPr txBox="1"/>
              <wps:spPr>
                <a:xfrm><a:off x="0" y="0"/><a:ext cx="2743200" cy="914400"/></a:xfrm>
                <a:prstGeom prst="rect"><a:avLst/></a:prstGeom>
              </wps:spPr>
              <wps:txbx><w:txbxContent>{paragraphs}</w:txbxContent></wps:txbx>
              <wps:bodyPr wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720"/>
            </wps:wsp>
          </a:graphicData>
        </a:graphic>
      </wp:anchor>
    </w:drawing>
  </mc:Choice>
  <mc:Fallback>
    <w:pict>
      <v:shape id="Text Box {number}" type="#_x0000_t202"
          style="position:absolute;width:216pt;height:72pt">
        <v:textbox><w:txbxContent>{paragraphs}</w:txbxContent></v:textbox>
      </v:shape>
    </w:pict>
  </mc:Fallback>
</mc:AlternateContent>
"""


def add_text_box(paragraph: Paragraph, texts: Sequence[str], number: int = 1) -> None:
    """A text box anchored in ``paragraph``, one paragraph per text, the way Word writes
    it: a DrawingML shape with a VML copy for older readers."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in texts)
    box = parse_xml(_TEXT_BOX.format(number=number, paragraphs=paragraphs))
    paragraph.add_run()._r.append(box)


def boxed_docx() -> bytes:
    """A paragraph, one that anchors a text box of two paragraphs, and one more."""
    document = docx.Document()
    document.add_paragraph("Before the box.")
    anchor = document.add_paragraph("The anchor paragraph.")
    add_text_box(anchor, ["We utilize boxes.", "In order to call out."])
    document.add_paragraph("After the box.")
    return to_bytes(document)


def to_bytes(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def sample_docx() -> bytes:
    return to_bytes(sample_document())


def refine_texts(texts: Sequence[str], plan: Sequence[str] = REFINE_PLAN) -> list[str]:
    """Each paragraph text through the local engine's strategies, as a job would."""
    joined = "\n\n".join(texts)
    for strategy in plan:
        joined = local.refine(joined, strategy).text
    pieces = joined.split("\n\n")
    assert len(pieces) == len(texts), "the local engine changed the paragraph count"
    return pieces
