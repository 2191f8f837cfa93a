"""``python -m service``: run the server with uvicorn on REFINER_HOST:REFINER_PORT."""

from __future__ import annotations

import logging

import uvicorn

from service.app import create_app
from service.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # Browsers offer permessage-deflate; on small frames it costs more
        # than half the throughput, so it is never negotiated.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
