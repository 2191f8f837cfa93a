"""``python -m service``: run the server with uvicorn on REFINER_HOST:REFINER_PORT."""

from __future__ import annotations

import gc
import logging
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOG_LEVELS

from service.app import create_app
from service.http_protocol import RefinerHttpProtocol
from service.open_files import connection_bound
from service.preflight import StartupError, check_folders, check_listen_address
from service.settings import Settings, SettingsError


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


# Middle-generation collections between two full ones; Python's default is 10.
FULL_COLLECTION_EVERY = 100


def settle_garbage_collector() -> None:
    """Keep full garbage collections, pauses of 50 to 200 ms, out of live streams.

    A full collection walks every tracked object, and a thousand open sockets
    make hundreds of thousands. Freezing what exists once the app is built
    (modules, classes, routes: alive as long as the process) takes it out of
    every later walk. Each young collection promotes the wake-ups that readers
    are waiting on at that moment, which makes full collections come every few
    seconds under load; allowing ten times as many middle collections between
    them leaves them to when connections pile up. Before and after figures are
    in ``bench/findings.md``.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def _stop(line: str) -> NoReturn:
    """One line on stderr and exit status 2: a setting the service cannot use."""
    print(line, file=sys.stderr)
    raise SystemExit(2)


def main(*, host: str | None = None, port: int | None = None) -> None:
    """Serve until stopped; ``host`` and ``port`` (``refiner serve``'s) override the settings."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        _stop(f"refiner: bad configuration: {exc}")
    overrides = {name: value for name, value in (("host", host), ("port", port)) if value}
    if overrides:
        settings = settings.model_copy(update=overrides)
    logging.basicConfig(
        level=LOG_LEVELS[settings.log_level],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        for warning in check_folders(settings):
            logging.getLogger("refiner").warning("%s", warning)
        check_listen_address(settings.host, settings.port)
    except StartupError as exc:
        _stop(f"refiner: cannot start: {exc}")
    app = create_app(settings)
    # Raises the open-files limit now rather than at the first connection.
    logging.getLogger(__name__).info("Holding at most %d connections.", connection_bound())
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=RefinerHttpProtocol,
        log_level=settings.log_level,
        # Browsers offer permessage-deflate; on small frames it costs more
        # than half the throughput, so it is never negotiated.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=10,
    )
    settle_garbage_collector()
    try:
        DrainingServer(config, app).run()
    except KeyboardInterrupt:
        # Uvicorn shuts down cleanly on Ctrl-C, then raises the signal again
        # for the default handler; the clean shutdown has already happened.
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
