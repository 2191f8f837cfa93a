"""``python -m service``: run the server with uvicorn on REFINER_HOST:REFINER_PORT."""

from __future__ import annotations

import gc
import logging
import socket
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI

from service.app import create_app
from service.settings import Settings


class DrainingServer(uvicorn.Server):
    """Uvicorn that lets open streams end cleanly before it closes connections.

    Uvicorn closes WebSockets (1012) and sse-starlette ends SSE as soon as
    shutdown begins, before the app's lifespan teardown; so running jobs are
    interrupted, and their terminal events and ``stream_end`` delivered, here,
    once new connections are no longer accepted.
    """

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        drain: Callable[[], Awaitable[None]] | None = getattr(self._app.state, "drain", None)
        if drain is not None:
            await drain()
        await super().shutdown(sockets)


def settle_garbage_collector() -> None:
    """Keep the garbage collector's pauses short while streams are live.

    What exists once the app is built (modules, classes, routes) lives as long
    as the process. Freezing it takes it out of every later collection, so a
    full collection walks only what connections and jobs made. In the 50
    events/s benchmark (1,000 sockets), full collections of up to 200 ms had
    fallen in the middle of streams; frozen, the longest was about 110 ms,
    and they came while the sockets were being opened (bench/findings.md).
    """
    gc.collect()
    gc.freeze()


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # Browsers offer permessage-deflate; on small frames it costs more
        # than half the throughput, so it is never negotiated.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=10,
    )
    settle_garbage_collector()
    DrainingServer(config, app).run()


if __name__ == "__main__":
    main()
