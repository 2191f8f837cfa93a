"""The automatic plan through the real server: no plain-word pass on a contract unless asked for."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.server import ServerProcess
from tests.support.streams import collect_sse

CONTRACT = (
    "LICENCE AGREEMENT\n\n"
    "1.1 The Licensee shall utilise the Software for its internal purposes only and shall "
    "not copy it.\n\n"
    "1.2 The Licensee shall pay the Licence Fee per annum in advance of the Commencement "
    "Date. The Licensor shall deliver the Software to the Licensee within ten days.\n\n"
    "1.3 Either Party may terminate this Agreement if the other Party commits a material "
    "breach of its obligations under this Agreement and fails to remedy it within thirty "
    "days. Any notice shall be in writing.\n"
)


async def _final_text(
    client: httpx.AsyncClient, body: dict[str, object]
) -> tuple[str, list[dict[str, Any]]]:
    envelopes, _ = await collect_sse(
        client,
        "/refine/run",
        method="POST",
        headers={"Accept": "text/event-stream"},
        json_body=body,
    )
    completes = [e["data"] for e in envelopes if e["type"] == "pass_complete"]
    last = completes[-1]
    version = await client.get(f"/files/{last['file_id']}/versions/{last['pass']}")
    return version.json()["text"], completes


async def test_the_automatic_plan_leaves_a_contract_without_plain_swaps(
    server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        text, completes = await _final_text(
            client, {"text": CONTRACT, "passes": 4, "name": "licence.txt"}
        )
        assert completes[-1]["strategy"] == "plain"
        assert not completes[-1]["changed"]
        assert "shall utilise the Software" in text
        assert "per annum in advance of the Commencement Date" in text

        named, _ = await _final_text(
            client,
            {"text": CONTRACT, "passes": 1, "strategies": ["plain"], "name": "licence.txt"},
        )
        assert "shall use the Software" in named, "a request that names plain gets it"
        assert "per annum in advance of the Commencement Date" in named, "terms of art stay"
