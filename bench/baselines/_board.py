"""What every baseline server shares: its command line, its jobs, and how it is served."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import uvicorn

from bench.envelopes import Publish, job_id, run_job


@dataclass(frozen=True, slots=True)
class BoardOptions:
    port: int
    jobs: int
    subscribers: int
    events: int
    rate: float
    wait_timeout: float


def parse_options(description: str) -> BoardOptions:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=20)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--wait-timeout", type=float, default=60.0)
    args = parser.parse_args()
    return BoardOptions(
        args.port, args.jobs, args.subscribers, args.events, args.rate, args.wait_timeout
    )


class JobBoard:
    """The jobs of one baseline run; each starts when its subscribers are there."""

    def __init__(self, options: BoardOptions) -> None:
        self.options = options
        self.ids = [job_id(i) for i in range(options.jobs)]
        self.attached: Counter[str] = Counter()
        self._ready = {jid: anyio.Event() for jid in self.ids}

    def attach(self, jid: str) -> None:
        self.attached[jid] += 1
        if self.attached[jid] >= self.options.subscribers and jid in self._ready:
            self._ready[jid].set()

    def detach(self, jid: str) -> None:
        self.attached[jid] -= 1

    async def run(self, publish: Publish) -> None:
        async with anyio.create_task_group() as tg:
            for index in range(self.options.jobs):
                tg.start_soon(self._job, index, publish)

    async def _job(self, index: int, publish: Publish) -> None:
        with anyio.move_on_after(self.options.wait_timeout):
            await self._ready[self.ids[index]].wait()
        await run_job(index, self.options.events, self.options.rate, publish)


async def serve_asgi(app: Any, board: JobBoard, publish: Publish) -> None:
    """Serve ``app`` with uvicorn as Refiner is served, and run the board's jobs beside it."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=board.options.port,
        log_level="warning",
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(board.run, publish)
        await server.serve()
        tg.cancel_scope.cancel()


def run(main: Callable[[], Any]) -> None:
    """Run ``main`` on uvloop when it is installed, as uvicorn does."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        anyio.run(main)
    else:
        anyio.run(main, backend_options={"use_uvloop": True})
