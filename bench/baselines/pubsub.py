"""fastapi-websocket-pubsub: a ``PubSubEndpoint`` at ``/pubsub``, one topic per job.

The producer awaits ``endpoint.publish([job_id], data=envelope)`` for each
event; the library calls every subscriber's ``notify`` as a JSON-RPC request
and awaits its answer. The package is installed for the benchmarks only
(``bench/requirements.txt``); without it this server exits with status 3.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from fastapi import FastAPI

from bench.baselines._board import JobBoard, parse_options, run, serve_asgi

NOT_INSTALLED = 3


async def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    try:
        pubsub: Any = importlib.import_module("fastapi_websocket_pubsub")
    except ImportError:
        print("fastapi-websocket-pubsub is not installed", file=sys.stderr)
        sys.exit(NOT_INSTALLED)
    endpoint = pubsub.PubSubEndpoint()
    app = FastAPI()
    endpoint.register_route(app, "/pubsub")

    board = JobBoard(options)

    async def joined(subscriber_id: str, topics: list[str]) -> None:
        for topic in topics:
            board.attach(topic)

    endpoint.notifier.register_subscribe_event(joined)

    async def publish(envelope: dict[str, Any]) -> None:
        await endpoint.publish([envelope["job_id"]], data=envelope)

    await serve_asgi(app, board, publish)


if __name__ == "__main__":
    run(main)
