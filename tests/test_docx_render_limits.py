"""Markdown rendered to .docx through the real server: dense documents, the element cap,
the rendered output kept per job and version, and a cancel that stops a render."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from websockets.asyncio.client import connect

from bench.baselines.docx_per_run import write_markdown as write_markdown_per_run
from service.documents.docx import MAX_ELEMENTS, TooManyElements, markdown_markup, write_markdown
from service.documents.render_cache import is_marked, marked, read_cached, render_key
from service.documents.rendering import (
    TooLargeToRender,
    blank_template,
    render,
    tracked_changes,
)
from tests.support.server import ServerProcess
from tests.support.streams import collect_ws, flatten, types
from tests.test_docx_markdown import REPORT, TEMPLATES

# One element a character: an emphasis mark, a letter, an emphasis mark.
STARS = "*a*"


def dense_markdown(repeats: int) -> str:
    """Paragraphs dense in every kind of markup, ``repeats`` of each."""
    line = "*i* **b** ***bi*** `c` [l](https://example.com/x) ~~s~~ w "
    blocks = [
        "# Dense *heading*",
        line * repeats,
        "- one *a*\n  - two **b**\n    - three `c`\n- back [l](https://example.com/y)",
        "1. first\n2. second *e*",
        "> quoted **b**",
        "| a | b |\n|:-|-:|\n| *x* | **y** |",
    ]
    return "\n\n".join(blocks * 3) + "\n"


def test_a_dense_document_reads_back_run_by_run() -> None:
    data, _ = write_markdown(blank_template(), dense_markdown(2000))
    document = docx.Document(io.BytesIO(data))
    paragraph = document.paragraphs[1]
    runs = [(r.text, bool(r.bold), bool(r.italic)) for r in paragraph.runs]
    first = [
        ("i", False, True),
        (" ", False, False),
        ("b", True, False),
        (" ", False, False),
        ("bi", True, True),
        (" ", False, False),
        ("c", False, False),
        (" ", False, False),
    ]
    assert runs[:8] == first
    assert paragraph.runs[6].font.name == "Courier New"
    assert sum(1 for text, *_ in runs if text == "bi") == 2000
    assert len(paragraph.hyperlinks) == 2000
    assert {link.address for link in paragraph.hyperlinks} == {"https://example.com/x"}
    assert [run.font.strike for run in paragraph.runs if run.text == "s"][:2] == [True, True]


@pytest.mark.parametrize("template", ["default", "academic", "business"])
def test_the_xml_is_the_one_python_docx_wrote_run_by_run(template: str) -> None:
    """Every part of the package, for documents of every kind of markup, is what the
    writer made through python-docx's run API (kept as the benchmark's baseline)."""
    blank = (TEMPLATES / f"{template}.docx").read_bytes()
    edges = (
        'tab\there  \n\n  edges  \n\nx<&>"y"\n\n**strong  \nbroken** [link  \nbroken](u)\n\n'
        "| **h** [l](https://h.h) *i*  | `c` |\n|:-:|--|\n| [](x) [a]() | b |\n\n"
        "3. three\n4. four\n\npause\n\n1. again\n   1. inner\n\n- x\n\n  1. in bullet"
    )
    for text in (REPORT, dense_markdown(20), STARS * 200, edges):
        now, before = write_markdown(blank, text), write_markdown_per_run(blank, text)
        assert now[1] == before[1]
        with zipfile.ZipFile(io.BytesIO(now[0])) as a, zipfile.ZipFile(io.BytesIO(before[0])) as b:
            assert a.namelist() == b.namelist()
            for name in a.namelist():
                assert a.read(name) == b.read(name), name


def test_past_the_cap_the_render_is_refused_before_it_starts() -> None:
    calls: list[int] = []
    with pytest.raises(TooLargeToRender, match=f"{MAX_ELEMENTS:,}") as refused:
        render("docx", "md", STARS * (MAX_ELEMENTS // 3 + 1), checkpoint=lambda: calls.append(1))
    assert refused.value.limit == MAX_ELEMENTS
    assert render("docx", "md", STARS * 10, limit=40).data
    with pytest.raises(TooLargeToRender):
        render("docx", "txt", "\n\n".join("p" * 10), limit=5)


def test_a_render_stops_at_a_checkpoint_that_raises() -> None:
    class Stop(Exception):
        pass

    def stop() -> None:
        raise Stop

    with pytest.raises(Stop):
        render("docx", "md", dense_markdown(200), checkpoint=stop)


def test_a_kept_render_serves_only_the_inputs_it_was_made_from(tmp_path: Path) -> None:
    data = render("docx", "md", "# one").data
    key = render_key("docx", "md", "# one", template=None, source=None, original=None)
    other = render_key("docx", "md", "# two", template=None, source=None, original=None)
    path = tmp_path / "doc.docx"
    path.write_bytes(marked(data, key))
    assert read_cached(path, key) == marked(data, key)
    assert read_cached(path, other) is None, "a new pass renders again"
    assert not is_marked(data, key)
    assert docx.Document(io.BytesIO(marked(data, key))).paragraphs[0].text == "one"


async def run_markdown(
    client: httpx.AsyncClient, text: str, **request: Any
) -> tuple[str, list[dict[str, Any]]]:
    reply = await client.post(
        "/refine/run",
        json={"files": [{"name": "dense.md", "text": text}], "passes": 1, **request},
    )
    assert reply.status_code == 202, reply.text
    return reply.json()["job_id"], []


async def finish(server: ServerProcess, job_id: str) -> list[dict[str, Any]]:
    envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    assert types(envelopes)[-1] == "stream_end", envelopes[-3:]
    return envelopes


async def test_a_dense_document_downloads_as_docx_once_then_from_the_job_folder(
    server: ServerProcess,
) -> None:
    text = dense_markdown(1500)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job_id, _ = await run_markdown(client, text)
        assert types(await finish(server, job_id))[-2] == "done"
        (doc,) = (await client.get(f"/jobs/{job_id}")).json()["files"]
        kept = server.workdir / "output" / job_id / f"{doc['file_id']}.docx"
        assert not kept.exists(), "the job writes Markdown"
        first = await client.get(f"/jobs/{job_id}/output", params={"format": "docx"})
        assert first.status_code == 200, first.text
        made = os.stat(kept)
        second = await client.get(f"/jobs/{job_id}/output", params={"format": "docx"})
        assert second.status_code == 200
        again = os.stat(kept)
    assert second.content == first.content == kept.read_bytes()
    assert (again.st_ino, again.st_mtime_ns) == (made.st_ino, made.st_mtime_ns), (
        "not rendered again"
    )
    paragraph = docx.Document(io.BytesIO(second.content)).paragraphs[1]
    assert [(r.text, r.bold, r.italic) for r in paragraph.runs[:5:2]] == [
        ("i", None, True),
        ("b", True, None),
        ("bi", True, True),
    ]


async def test_a_docx_job_serves_its_own_output_without_rendering_it_again(
    server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job_id, _ = await run_markdown(client, dense_markdown(50), output_format="docx")
        assert types(await finish(server, job_id))[-2] == "done"
        (doc,) = (await client.get(f"/jobs/{job_id}")).json()["files"]
        written = server.workdir / "output" / job_id / f"{doc['file_id']}.docx"
        before = os.stat(written)
        download = await client.get(f"/jobs/{job_id}/output")
        after = os.stat(written)
    assert download.content == written.read_bytes()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


async def test_a_document_past_the_cap_fails_its_docx_output_saying_the_limit(
    server: ServerProcess,
) -> None:
    text = STARS * (MAX_ELEMENTS // 3 + 10)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job_id, _ = await run_markdown(client, text, output_format="docx")
        envelopes = await finish(server, job_id)
        error = envelopes[-2]
        assert error["type"] == "error", error
        assert error["data"]["code"] == "too_large_to_render"
        assert f"{MAX_ELEMENTS:,}" in error["data"]["message"]
        download = await client.get(f"/jobs/{job_id}/output", params={"format": "docx"})
        assert download.status_code == 409
        assert download.json()["code"] == "too_large_to_render"
        assert f"{MAX_ELEMENTS:,} at most" in download.json()["detail"]
        assert download.json()["limit"] == MAX_ELEMENTS
        markdown = await client.get(f"/jobs/{job_id}/output", params={"format": "md"})
        assert markdown.status_code == 200, "its text is kept"


async def test_a_cancel_during_the_render_ends_the_job_cancelled(server: ServerProcess) -> None:
    """Cancelled right after the last pass, while the long render runs: the answer and the
    job's end agree, and the render stopped before writing anything."""
    text = STARS * (MAX_ELEMENTS // 3 - 100)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        reply = await client.post(
            "/refine/run",
            json={
                "files": [{"name": "stars.md", "text": text}],
                "passes": 1,
                "output_format": "docx",
            },
        )
        job_id = reply.json()["job_id"]
        envelopes: list[dict[str, Any]] = []
        async with connect(f"{server.ws_url}/ws/progress/{job_id}", compression=None) as ws:
            answer: httpx.Response | None = None
            async for frame in ws:
                for envelope in flatten(frame):
                    envelopes.append(envelope)
                    if envelope["type"] == "pass_complete" and answer is None:
                        answer = await client.post(f"/jobs/{job_id}/cancel")
        job = (await client.get(f"/jobs/{job_id}")).json()
    assert answer is not None
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "cancelled"
    assert types(envelopes)[-2:] == ["cancelled", "stream_end"]
    assert job["status"] == "cancelled"
    (doc,) = job["files"]
    assert not (server.workdir / "output" / job_id / f"{doc['file_id']}.docx").exists()


def test_the_tracked_diff_of_markdown_past_the_cap_is_made_from_the_source_text() -> None:
    """Comparing the two versions' markup stops at the cap too, instead of parsing them whole."""
    dense = STARS * (MAX_ELEMENTS // 3 + 1)
    with pytest.raises(TooManyElements):
        markdown_markup(dense)
    tracked = tracked_changes(
        "md",
        dense + "\n\nWe utilize it.",
        dense + "\n\nWe use it.",
        source=None,
        author="plain (local)",
        date=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with zipfile.ZipFile(io.BytesIO(tracked)) as package:
        assert "<w:ins " in package.read("word/document.xml").decode()
