"""The limit: a bare ``websockets`` server that sends each event with ``websockets.broadcast``.

No framework, no ASGI, no per-subscriber task: the envelope is encoded once
and written to every subscriber's transport synchronously, one frame per
event. It serves ``/ws/progress/{job_id}`` and closes with 1000 after
``stream_end``, as Refiner does.
"""

from __future__ import annotations

from typing import Any

import anyio
from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench.baselines._board import JobBoard, parse_options, run
from bench.envelopes import encode

CLOSE_NO_SUCH_JOB = 4404


async def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    subscribers: dict[str, set[ServerConnection]] = {}
    ended: dict[str, anyio.Event] = {}
    board = JobBoard(options)
    for jid in board.ids:
        subscribers[jid] = set()
        ended[jid] = anyio.Event()

    async def publish(envelope: dict[str, Any]) -> None:
        jid = envelope["job_id"]
        broadcast(subscribers[jid], encode(envelope))
        if envelope["type"] == "stream_end":
            ended[jid].set()

    async def handler(connection: ServerConnection) -> None:
        jid = connection.request.path.split("?")[0].rsplit("/", 1)[-1] if connection.request else ""
        if jid not in subscribers:
            await connection.close(CLOSE_NO_SUCH_JOB, f"no job {jid}")
            return
        subscribers[jid].add(connection)
        board.attach(jid)
        try:
            async with anyio.create_task_group() as tg:

                async def close_at_end() -> None:
                    await ended[jid].wait()
                    await connection.close()

                tg.start_soon(close_at_end)
                await connection.wait_closed()
                tg.cancel_scope.cancel()
        finally:
            subscribers[jid].discard(connection)
            board.detach(jid)

    async with (
        serve(handler, "127.0.0.1", options.port, compression=None) as server,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(board.run, publish)
        await server.serve_forever()


if __name__ == "__main__":
    run(main)
