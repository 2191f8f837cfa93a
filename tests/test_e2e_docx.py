"""Word documents through the real server: upload, refine, download, restyle, track changes."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from service.documents.docx import read_docx
from tests.support.docx_samples import (
    LINK_URL,
    add_notes,
    add_text_box,
    sample_document,
    sample_docx,
    to_bytes,
)
from tests.support.server import ServerProcess
from tests.support.streams import collect_ws, types

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def pandoc_text(data: bytes, tmp_path: Path, name: str) -> str:
    """The document's text as pandoc, which shares no code with the service, reads it."""
    found = shutil.which("pandoc")
    if found is None:
        pytest.skip("pandoc is not installed (apt-get install pandoc); .ci/run installs it")
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        [found, "-f", "docx", "-t", "plain", "--wrap=none", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return " ".join(done.stdout.split())


def libreoffice_opens(data: bytes, tmp_path: Path, name: str) -> str:
    """LibreOffice's own reading of the document, as OpenDocument content.xml."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    path = tmp_path / name
    path.write_bytes(data)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            found,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "odt",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    with zipfile.ZipFile(path.with_suffix(".odt")) as odt:
        return odt.read("content.xml").decode()


async def run_job(
    client: httpx.AsyncClient, server: ServerProcess, reply: httpx.Response
) -> dict[str, Any]:
    assert reply.status_code == 202, reply.text
    job_id = reply.json()["job_id"]
    envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    assert types(envelopes)[-2:] == ["done", "stream_end"], envelopes[-2]
    job: dict[str, Any] = (await client.get(f"/jobs/{job_id}")).json()
    return job


async def refine_upload(server: ServerProcess, name: str, data: bytes) -> bytes:
    """Upload a .docx as a job of the automatic plan's four passes (spelling, normalize,
    concise, plain), wait for it, and download the result."""
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        reply = await client.post(
            "/refine/run",
            data={"request": json.dumps({"passes": 4})},
            files=[("file", (name, data, DOCX))],
        )
        job = await run_job(client, server, reply)
        download = await client.get(f"/jobs/{job['job_id']}/output")
    assert download.status_code == 200, download.text
    return download.content


async def test_a_docx_refined_by_every_strategy_comes_back_with_its_formatting(
    server: ServerProcess, tmp_path: Path
) -> None:
    original = sample_docx()
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        upload = await client.post("/files", files={"file": ("report.docx", original, DOCX)})
        assert upload.status_code == 201, upload.text
        assert upload.json()["format"] == "docx"
        job = await run_job(
            client,
            server,
            await client.post(
                # The automatic plan's four strategies: spelling, normalize, concise, plain.
                "/refine/run",
                json={"file_ids": [upload.json()["file_id"]], "passes": 4},
            ),
        )
        assert job["outputs"][0]["format"] == "docx"
        file_id = job["files"][0]["file_id"]
        download = await client.get(f"/jobs/{job['job_id']}/output", params={"file_id": file_id})
        assert download.status_code == 200
        assert download.headers["content-type"] == DOCX
        assert 'filename="report.refined.docx"' in download.headers["content-disposition"]
        as_markdown = await client.get(
            f"/jobs/{job['job_id']}/output", params={"file_id": file_id, "format": "md"}
        )

    before, after = read_docx(original), read_docx(download.content)
    assert [p.style for p in after.paragraphs] == [p.style for p in before.paragraphs]
    assert after.texts != before.texts
    joined = " ".join(after.texts)
    assert "in order to" not in joined
    assert "utilize" not in joined
    assert as_markdown.text == after.joined()
    with zipfile.ZipFile(io.BytesIO(download.content)) as refined:
        document = refined.read("word/document.xml").decode()
        assert LINK_URL in refined.read("word/_rels/document.xml.rels").decode()
        assert "w:bookmarkStart" in document
        assert "w:drawing" in document
        assert "w:tbl" in document
    text = pandoc_text(download.content, tmp_path, "refined.docx")
    assert "utilize" not in text
    assert "in order to" not in text
    assert "<text:p" in libreoffice_opens(download.content, tmp_path, "refined-lo.docx")


async def test_a_multipart_run_writes_into_a_style_template(
    server: ServerProcess, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        listed = (await client.get("/style/templates")).json()["templates"]
        assert {t["name"] for t in listed} >= {"default", "academic", "business"}
        academic = next(t for t in listed if t["name"] == "academic")
        assert "Heading 1" in academic["styles"]

        reply = await client.post(
            "/refine/run",
            # spelling, normalize, concise
            data={"request": json.dumps({"passes": 3, "template": "academic"})},
            files=[("file", ("memo.docx", sample_docx(), DOCX))],
        )
        job = await run_job(client, server, reply)
        assert job["output_format"] == "docx"
        assert job["options"]["template"] == "academic"
        download = await client.get(f"/jobs/{job['job_id']}/output")
    styled = read_docx(download.content)
    assert "Heading 1" in {p.style for p in styled.paragraphs}
    source_body = [p for p in read_docx(sample_docx()).paragraphs if p.part == "body"]
    body = [p for p in styled.paragraphs if p.part == "body"]
    assert [p.in_table for p in body] == [p.in_table for p in source_body]
    (table,) = docx.Document(io.BytesIO(download.content)).tables
    assert table.cell(1, 0).text == "Hammer", "the table is still a table"
    assert "in order to" not in table.cell(1, 1).text, "and its cells were refined"
    with (
        zipfile.ZipFile(io.BytesIO(download.content)) as out,
        zipfile.ZipFile(TEMPLATES / "academic.docx") as template,
    ):
        assert out.read("word/styles.xml") == template.read("word/styles.xml")
    assert "academic" not in pandoc_text(download.content, tmp_path, "styled.docx").lower()


async def test_footnotes_and_endnotes_are_refined_with_the_body(
    server: ServerProcess, tmp_path: Path
) -> None:
    document = sample_document()
    add_notes(document, ["We utilize this source in order to check."], ["Commence the appendix."])
    refined = await refine_upload(server, "notes.docx", to_bytes(document))
    notes = [(p.part, p.text) for p in read_docx(refined).paragraphs][-2:]
    assert notes == [
        ("footnote", " We use this source to check."),
        ("endnote", " Start the appendix."),
    ]
    content = libreoffice_opens(refined, tmp_path, "notes.docx")
    assert "We use this source to check." in content
    assert 'text:note-class="footnote"' in content
    assert 'text:note-class="endnote"' in content


async def test_a_text_box_is_refined_where_every_reader_shows_it(
    server: ServerProcess, tmp_path: Path
) -> None:
    document = docx.Document()
    boxed = document.add_paragraph("See the note.")
    add_text_box(boxed, ["We utilize this box in order to explain."])
    refined = await refine_upload(server, "boxed.docx", to_bytes(document))
    assert read_docx(refined).texts == ["See the note.", "We use this box to explain."]
    with zipfile.ZipFile(io.BytesIO(refined)) as out:
        body = out.read("word/document.xml").decode()
    assert body.count("We use this box to explain.") == 2, "the shape and its fallback"
    assert "We use this box to explain." in libreoffice_opens(refined, tmp_path, "boxed.docx")


async def test_text_and_markdown_become_docx_on_demand(server: ServerProcess) -> None:
    markdown = (
        "# Plan\n\nWe **need** to utilize the tools.\n\n- in order to start\n- each and every step"
        "\n\n| Tool | Use |\n|---|---|\n| Hammer | in order to build |"
    )
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job = await run_job(
            client,
            server,
            await client.post(
                "/refine/run",
                json={"files": [{"name": "plan.md", "text": markdown}], "passes": 3},
            ),
        )
        download = await client.get(f"/jobs/{job['job_id']}/output", params={"format": "docx"})
        assert download.status_code == 200
    paragraphs = read_docx(download.content).paragraphs
    assert (paragraphs[0].style, paragraphs[0].text) == ("Heading 1", "Plan")
    assert [p.style for p in paragraphs[2:4]] == ["List Bullet", "List Bullet"]
    written = docx.Document(io.BytesIO(download.content))
    assert [r.text for r in written.paragraphs[1].runs if r.bold] == ["need"]
    (table,) = written.tables
    assert table.cell(1, 0).text == "Hammer"
    assert "in order to" not in table.cell(1, 1).text, "the table's text was refined"


async def test_the_docx_diff_holds_tracked_changes_that_libreoffice_sees(
    server: ServerProcess, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job = await run_job(
            client,
            server,
            await client.post(
                "/refine/run",
                data={"request": json.dumps({"passes": 4})},
                files={"file": ("notes.docx", sample_docx(), DOCX)},
            ),
        )
        file_id = job["files"][0]["file_id"]
        reply = await client.get(
            "/refine/diff",
            params={"fileId": file_id, "fromPass": 1, "toPass": 4, "format": "docx"},
        )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == DOCX
    with zipfile.ZipFile(io.BytesIO(reply.content)) as tracked:
        document = tracked.read("word/document.xml").decode()
    assert document.count("<w:ins ") > 0
    assert document.count("<w:del ") > 0
    assert 'w:author="plain (local)"' in document
    content = libreoffice_opens(reply.content, tmp_path, "tracked.docx")
    assert "text:tracked-changes" in content
    assert "plain (local)" in content


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("bomb.docx", "bomb", "zip bomb"),
        ("macro.docx", "macro", "macro"),
        ("locked.docx", "encrypted", "encrypted"),
        ("notzip.docx", "garbage", "zip"),
    ],
)
async def test_hostile_word_files_are_refused_without_being_opened(
    server: ServerProcess, name: str, make: str, words: str
) -> None:
    data = hostile(make)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        upload = await client.post("/files", files={"file": (name, data, DOCX)})
        run = await client.post("/refine/run", files={"file": (name, data, DOCX)})
    for reply in (upload, run):
        assert reply.status_code == 422, reply.text
        assert words in reply.json()["detail"].lower()


def hostile(kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "garbage":
        return b"this is not a zip file at all"
    if kind == "encrypted":
        return bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 512
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if kind == "bomb":
            z.writestr("word/document.xml", b"\0" * (300 * 2**20))
        else:
            with zipfile.ZipFile(io.BytesIO(sample_docx())) as good:
                for item in good.infolist():
                    z.writestr(item, good.read(item))
            z.writestr("word/vbaProject.bin", b"macro code")
    return out.getvalue()


@pytest.mark.parametrize(
    "template",
    ["../templates/default", "/etc/passwd", "..%2fdefault", "default\x00", "a/b", "..", "nope"],
)
async def test_template_names_never_become_paths(server: ServerProcess, template: str) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        reply = await client.post("/refine/run", json={"text": "Some text.", "template": template})
    assert reply.status_code == 422
    assert "available: academic, business, default" in reply.json()["detail"]


async def test_file_names_from_users_never_reach_a_path_or_a_header(
    server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        upload = await client.post(
            "/files", files={"file": ('../../etc/"evil";\r\nx.docx', sample_docx(), DOCX)}
        )
        assert upload.status_code == 201
        name = upload.json()["name"]
        assert "/" not in name
        assert ".." not in name
        job = await run_job(
            client,
            server,
            await client.post("/refine/run", json={"file_ids": [upload.json()["file_id"]]}),
        )
        download = await client.get(f"/jobs/{job['job_id']}/output")
        disposition = download.headers["content-disposition"]
        plain_name = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert plain_name.endswith(".refined.docx")
        assert not set(plain_name) & set('"\\/;\r\n')
        for bad in ("../../etc/passwd", "%2e%2e%2f", "/etc/passwd", "file\x00"):
            reply = await client.get(f"/jobs/{job['job_id']}/output", params={"file_id": bad})
            assert reply.status_code == 404
            for fmt in (bad, "../docx"):
                reply = await client.get(f"/jobs/{job['job_id']}/output", params={"format": fmt})
                assert reply.status_code == 422


async def test_a_broken_template_is_listed_with_an_error(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    folder = tmp_path / "my-templates"
    folder.mkdir()
    shutil.copy(TEMPLATES / "business.docx", folder / "business.docx")
    (folder / "broken.docx").write_bytes(b"not a document")
    server = make_server(REFINER_TEMPLATES_DIR=str(folder))
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        listed = (await client.get("/style/templates")).json()["templates"]
    by_name = {t["name"]: t for t in listed}
    assert "error" in by_name["broken"]
    assert "styles" in by_name["business"]
    assert sorted(p.name for p in folder.iterdir()) == ["broken.docx", "business.docx"]


async def test_styles_a_template_lacks_fall_back_to_normal_and_the_job_says_so(
    server: ServerProcess,
) -> None:
    document = docx.Document()
    document.styles.add_style("Fancy Note", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("We need to utilize this note.", style="Fancy Note")
    document.add_paragraph("In order to start, read it.")
    data = io.BytesIO()
    document.save(data)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job = await run_job(
            client,
            server,
            await client.post(
                "/refine/run",
                data={"request": json.dumps({"template": "business"})},
                files={"file": ("note.docx", data.getvalue(), DOCX)},
            ),
        )
        download = await client.get(f"/jobs/{job['job_id']}/output")
    assert job["outputs"][0]["style_fallbacks"] == ["Fancy Note"]
    assert [p.style for p in read_docx(download.content).paragraphs if p.part == "body"] == [
        "Normal",
        "Normal",
    ]
