"""The README's first job does what the README says it does.

The request body and the refined text are read from README.md itself, so
the example and the engine cannot drift apart.
"""

from __future__ import annotations

import json
import re

import httpx

from tests.support.server import ROOT, ServerProcess
from tests.support.streams import collect_sse


def _first_job() -> tuple[dict[str, object], str]:
    section = (ROOT / "README.md").read_text().split("## A first job", 1)[1].split("\n## ", 1)[0]
    body = re.search(r"-d '(\{.*?\})'", section)
    refined = re.search(r"/output +# the refined text: (.+)", section)
    assert body is not None, "the README's first job has no -d body"
    assert refined is not None, "the README's first job no longer shows the refined text"
    return json.loads(body.group(1)), refined.group(1).strip()


async def test_the_readme_first_job_fixes_every_slip(server: ServerProcess) -> None:
    body, refined = _first_job()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        started = await client.post("/refine/run", json=body)
        assert started.status_code == 202
        job_id = started.json()["job_id"]
        envelopes, _ = await collect_sse(client, f"/jobs/{job_id}/events")
        assert [e["type"] for e in envelopes][-2:] == ["done", "stream_end"]
        strategies = [e["data"]["strategy"] for e in envelopes if e["type"] == "pass_complete"]
        assert strategies == ["spelling", "normalize", "concise", "plain"]
        output = await client.get(f"/jobs/{job_id}/output")
    assert output.status_code == 200
    assert output.text.strip() == refined
