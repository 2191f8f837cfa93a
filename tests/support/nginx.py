"""A real nginx in front of the service, as users deploy it: a context manager.

The configuration is a typical production one. It leaves ``proxy_buffering``
at its default (on) on purpose: the streams must arrive event by event because
the service answers them with ``X-Accel-Buffering: no``, not because the proxy
was told to stop buffering everything. Plain requests also go upstream in
nginx's default HTTP/1.0, without keepalive: a response that is not chunked
then ends when the connection closes, the case where a buffering nginx holds
everything back (a chunked one is passed on chunk by chunk even while
buffering). The WebSocket location is the usual upgrade tunnel.

Every file nginx writes (pid, logs, temporary bodies) lives in the folder it is
given, so it runs as root and as a normal user alike.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from tests.support.server import free_port, wait_until_ready

_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

_CONFIG = """\
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log {root}/access.log;
    default_type application/octet-stream;
{temp_paths}
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    server_tokens off;

    gzip on;
    gzip_proxied any;
    gzip_types text/plain text/css application/json application/javascript text/xml;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}

    upstream refiner {{
        server {upstream};
    }}

    server {{
        listen 127.0.0.1:{port};
        server_name localhost;

        location / {{
            proxy_pass http://refiner;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
{extra}        }}

        location /ws {{
            proxy_pass http://refiner;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
    }}
}}
"""


def find_nginx() -> str | None:
    """The nginx binary, also where a normal user's ``PATH`` leaves out ``sbin``."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("nginx", path=search)


def render_config(
    root: Path, port: int, upstream: str, extra_directives: Sequence[str] = ()
) -> str:
    """The nginx.conf for a proxy on ``port`` in front of ``upstream`` (host:port).

    ``extra_directives`` are added to the location that serves everything but
    the WebSockets.
    """
    temp_paths = "".join(f"    {name}_temp_path {root}/{name};\n" for name in _TEMP_PATHS)
    # Only a master running as root switches its workers to another user; as
    # root, keep them root so that they can write the temporary folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    extra = "".join(f"            {directive}\n" for directive in extra_directives)
    return _CONFIG.format(
        user=user, root=root, temp_paths=temp_paths, port=port, upstream=upstream, extra=extra
    )


class NginxProxy:
    """``nginx`` in the foreground, proxying everything to ``upstream_url``."""

    def __init__(
        self,
        workdir: Path,
        upstream_url: str,
        *,
        binary: str = "nginx",
        extra_directives: Sequence[str] = (),
    ) -> None:
        self.workdir = workdir
        self.extra_directives = tuple(extra_directives)
        self.upstream = upstream_url.removeprefix("http://").rstrip("/")
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.config_path = workdir / "nginx.conf"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> NginxProxy:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for name in _TEMP_PATHS:
            (self.workdir / name).mkdir(exist_ok=True)
        self.config_path.write_text(
            render_config(self.workdir, self.port, self.upstream, self.extra_directives)
        )
        log = (self.workdir / "stderr.log").open("ab")
        # Its own session: the workers share the master's process group, so a
        # master that will not stop is killed together with them.
        command = [self.binary, "-p", f"{self.workdir}/", "-c", str(self.config_path)]
        command += ["-e", str(self.workdir / "error.log"), "-g", "daemon off;"]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        wait_until_ready(self.process, self.url, self.log, "nginx", timeout)
        return self

    def log(self) -> str:
        """What nginx wrote to stderr and its error log."""
        parts = [self.workdir / "stderr.log", self.workdir / "error.log"]
        return "".join(p.read_text(errors="replace") for p in parts if p.exists())

    def stop(self, timeout: float = 10.0) -> None:
        """SIGQUIT (graceful: open streams may finish), then SIGKILL past ``timeout``."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the master and its workers."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> NginxProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.stop()
