"""Processes of a benchmark run: start them pinned, read their CPU and memory, stop them all.

Servers run on core 0 and clients on core 1 when ``taskset`` exists and the
machine has two cores or more. CPU time comes from ``/proc/PID/stat`` and
memory from ``/proc/PID/status`` (``VmRSS`` now, ``VmHWM`` the peak).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE = 0
CLIENT_CORE = 1


def pinning(core: int) -> list[str]:
    """The ``taskset`` prefix that pins a command to ``core``, or nothing."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > core:
        return ["taskset", "-c", str(core)]
    return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_kb(pid: int, key: str = "VmRSS") -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of ``pid``, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class Process:
    """One child process with its log file."""

    def __init__(self, name: str, command: list[str], log: Path, env: dict[str, str]) -> None:
        self.name = name
        self.command = command
        self.log_path = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


class Processes:
    """Every process a run starts; whatever is still running is stopped on exit."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._started: list[Process] = []

    def start(self, name: str, command: list[str], *, core: int, **env: str) -> Process:
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        proc = Process(name, pinning(core) + command, self.workdir / f"{name}.log", full_env)
        self._started.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self._started:
            with contextlib.suppress(OSError):
                proc.stop()
        self._started.clear()

    def __enter__(self) -> Processes:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()


def wait_ready(proc: Process, port: int, *, health: bool, timeout: float = 30.0) -> None:
    """Wait until ``port`` accepts connections (and ``/health`` answers 200)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited at start:\n{proc.log()}")
        try:
            if health:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return
            else:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
        except (OSError, httpx.TransportError):
            pass
        time.sleep(0.05)
    proc.stop()
    raise RuntimeError(f"{proc.name} did not become ready:\n{proc.log()}")


@contextlib.contextmanager
def sampled(pid: int) -> Iterator[dict[str, float]]:
    """CPU seconds and wall seconds of ``pid`` over the ``with`` block."""
    sample: dict[str, float] = {}
    cpu, wall = cpu_seconds(pid), time.monotonic()
    try:
        yield sample
    finally:
        with contextlib.suppress(OSError):
            sample["cpu_seconds"] = cpu_seconds(pid) - cpu
            sample["wall_seconds"] = time.monotonic() - wall
            sample["peak_rss_kb"] = memory_kb(pid, "VmHWM")


PYTHON = sys.executable
