"""A small `.docx` whose renamed main part inflates to millions of elements, sent to a
real server: refused with the limit named, and the server's memory stays low."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import anyio
import httpx

from service.documents.docx.safety import MAX_MARKUP
from tests.support.docx_packages import main_part, renamed_main
from tests.support.docx_samples import sample_docx
from tests.support.server import ServerProcess

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIB = 1 << 20
# Half as much again as the cap: read, it would take some 600 MiB.
BOMB_PARAGRAPHS = MAX_MARKUP * 3 // 2


def memory_kib(pid: int) -> dict[str, int]:
    """The process's resident set now (``VmRSS``) and at its peak (``VmHWM``), in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def assert_refused_for_its_tags(reply: httpx.Response) -> None:
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["code"] == "unreadable_file"
    assert f"more than {MAX_MARKUP:,} XML tags" in body["detail"]
    assert "damaged" not in body["detail"]


async def test_a_renamed_main_part_bomb_is_refused_and_costs_no_memory(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    assert server.process is not None
    pid = server.process.pid
    bomb = renamed_main(main_part(BOMB_PARAGRAPHS), by="override")
    assert len(bomb) < 200_000, "a small upload"
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        # A real document first, so that what reading one loads is in the baseline.
        warm = await client.post("/files", files={"file": ("warm.docx", sample_docx(), DOCX)})
        assert warm.status_code == 201, warm.text
        before = memory_kib(pid)

        replies: list[httpx.Response] = []

        async def upload(n: int) -> None:
            files = {"file": (f"bomb{n}.docx", bomb, DOCX)}
            replies.append(await client.post("/files", files=files))

        async with anyio.create_task_group() as tg:
            for n in range(3):  # three at once, as a hostile client would
                tg.start_soon(upload, n)
        for reply in replies:
            assert_refused_for_its_tags(reply)

        request = json.dumps({"passes": 1})
        run = await client.post(
            "/refine/run",
            data={"request": request},
            files={"file": ("bomb.docx", bomb, DOCX)},
        )
        assert_refused_for_its_tags(run)
        assert (await client.get("/health")).status_code == 200
        after = memory_kib(pid)

    assert (after["VmHWM"] - before["VmRSS"]) * 1024 < 300 * MIB, (before, after)
    assert (after["VmRSS"] - before["VmRSS"]) * 1024 < 300 * MIB, (before, after)
