"""The floor: the least any uvicorn + Starlette WebSocket endpoint costs per idle socket.

``bench.idle`` divides the server's memory growth by the number of idle
subscriptions it holds open. Part of that is paid by uvicorn and Starlette for
every connection, whatever the app does; this server has nothing else (no
FastAPI, no middleware, no jobs), so its figure, measured in the same run,
shows how much of Refiner's is Refiner's own. It answers just what
``bench.idle`` asks: ``POST /refine/run`` hands out a job id, and
``/ws/progress/{job_id}`` accepts and reads until the client leaves.
"""

from __future__ import annotations

import argparse
import itertools

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from bench.baselines._board import run
from bench.envelopes import job_id


def parse_port() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port: int = parser.parse_args().port
    return port


def create_app() -> Starlette:
    numbers = itertools.count()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({})

    async def start_job(request: Request) -> JSONResponse:
        return JSONResponse({"job_id": job_id(next(numbers))}, status_code=202)

    async def progress(websocket: WebSocket) -> None:
        await websocket.accept()
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/refine/run", start_job, methods=["POST"]),
            WebSocketRoute("/ws/progress/{job_id}", progress),
        ]
    )


async def main() -> None:
    """Serve with the settings of ``bench.baselines._board.serve_asgi``, which Refiner also uses."""
    config = uvicorn.Config(
        create_app(),
        host="127.0.0.1",
        port=parse_port(),
        log_level="warning",
        ws_per_message_deflate=False,
    )
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    run(main)
