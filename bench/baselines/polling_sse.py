"""The tutorial design: an sse-starlette endpoint that polls a shared dict every 100 ms.

The producer overwrites ``progress[job_id]`` with its latest envelope; each
subscriber's generator looks at it ten times a second and sends it, encoded
again for every subscriber, when it changed. Whatever was overwritten between
two looks is never delivered.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from bench.baselines._board import JobBoard, parse_options, run, serve_asgi

POLL_SECONDS = 0.1


async def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    progress: dict[str, dict[str, Any]] = {}
    board = JobBoard(options)

    async def publish(envelope: dict[str, Any]) -> None:
        progress[envelope["job_id"]] = envelope

    async def events(request: Request) -> EventSourceResponse:
        jid = request.path_params["job_id"]

        async def stream() -> AsyncIterator[dict[str, str]]:
            board.attach(jid)
            last = 0
            while True:
                state = progress.get(jid)
                if state is not None and state["seq"] != last:
                    last = state["seq"]
                    yield {"event": state["type"], "data": json.dumps(state)}
                    if state["type"] == "stream_end":
                        return
                await anyio.sleep(POLL_SECONDS)

        return EventSourceResponse(stream())

    app = Starlette(routes=[Route("/jobs/{job_id}/events", events)])
    await serve_asgi(app, board, publish)


if __name__ == "__main__":
    run(main)
