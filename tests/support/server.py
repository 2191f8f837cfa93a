"""The real service under uvicorn, in its own process, on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

import httpx

from service.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_ready(
    process: subprocess.Popen[bytes], url: str, log: Callable[[], str], what: str, timeout: float
) -> None:
    """Poll ``url``/health until it answers 200; raise with ``log()`` if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start:\n{log()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"{what} did not become ready:\n{log()}")


def read_as_setting(name: str) -> bool:
    """Whether the service may read the shell variable ``name`` as a setting: tests
    set their own. pydantic-settings reads a name in any case."""
    upper = name.upper()
    return upper.startswith(PREFIX) or upper in {
        Settings.variable(f) for f in Settings.model_fields
    }


class ServerProcess:
    """``python -m service`` with its own data folders; a context manager."""

    def __init__(
        self,
        workdir: Path,
        *,
        command: list[str] | None = None,
        env: Mapping[str, str] | None = None,
        **settings: str,
    ) -> None:
        """``env`` and ``settings`` (environment variables by name) override the defaults."""
        self.workdir = workdir
        self.command = command or [sys.executable, "-m", "service"]
        self.port = free_port()
        inherited = {k: v for k, v in os.environ.items() if not read_as_setting(k)}
        self.env = {
            **inherited,
            "REFINER_HOST": "127.0.0.1",
            "REFINER_PORT": str(self.port),
            "UVICORN_HOST": "127.0.0.1",  # for a server started as ``uvicorn service.app:app``
            "UVICORN_PORT": str(self.port),
            "REFINER_DATA_DIR": str(workdir / "data"),
            "REFINER_OUTPUT_DIR": str(workdir / "output"),
            "REFINER_TEMPLATES_DIR": str(ROOT / "templates"),  # read-only: never written
            "REFINER_FEEDBACK_DIR": str(workdir / "feedback"),
            "REFINER_LOG_LEVEL": "warning",
            **(env or {}),
            **settings,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> ServerProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        log.close()
        wait_until_ready(self.process, self.url, self.log, "the server", timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait; returns the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def kill(self) -> None:
        """SIGKILL: the process dies without any clean-up."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.stop()
