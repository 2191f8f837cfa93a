"""The server's REST routes over httpx, and its ``/ws`` session over ``websockets``.

Exceptions::

    CliError            a one-line reason, and the exit code that goes with it
    ├── BadInput        a file or an argument the command cannot use (exit 2)
    ├── Unreachable     no server answers at the URL (exit 3)
    └── ApiError        the server answered with an error (exit 1)
"""

from __future__ import annotations

import json
import os
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx
from websockets.asyncio.client import ClientConnection, connect

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130


def default_url() -> str:
    return (
        os.environ.get("REFINER_URL")
        or f"http://127.0.0.1:{os.environ.get('REFINER_PORT') or 8000}"
    )


class CliError(Exception):
    exit_code = EXIT_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(CliError):
    exit_code = EXIT_USAGE


class Unreachable(CliError):
    exit_code = EXIT_UNREACHABLE


class ApiError(CliError):
    def __init__(self, status: int, detail: str, code: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code


class Client:
    """An async context manager: one connection pool for the command's requests."""

    def __init__(self, url: str, api_key: str | None, *, timeout: float = 30.0) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise BadInput(f"--url must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self.api_key = api_key or None
        headers = {"X-API-Key": self.api_key} if self.api_key else {}
        self._http = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=timeout)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise Unreachable(
                f"cannot reach the server at {self.url} ({_reason(exc)}); "
                "start one with `refiner serve` or pass --url"
            ) from None
        except httpx.TransportError as exc:
            raise Unreachable(f"the connection to {self.url} failed: {_reason(exc)}") from None
        if response.is_success:
            return response
        raise _api_error(response)

    async def get_json(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return _json(await self.request("GET", path, params=query))

    async def post_json(self, path: str, body: Any = None) -> Any:
        return _json(await self.request("POST", path, json=body))

    async def upload(self, path: Path) -> dict[str, Any]:
        try:
            data = await anyio.Path(path).read_bytes()
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
        files = {"file": (path.name, data, "application/octet-stream")}
        try:
            answer: dict[str, Any] = _json(await self.request("POST", "/files", files=files))
        except ApiError as exc:
            raise ApiError(exc.status, f"{path.name}: {exc.message}", exc.code) from None
        return answer

    async def output(self, job_id: str, file_id: str, fmt: str | None) -> tuple[str, bytes]:
        """A refined document: its file name (from the server) and its bytes."""
        params = {"file_id": file_id, **({"format": fmt} if fmt else {})}
        response = await self.request("GET", f"/jobs/{job_id}/output", params=params)
        return _filename(response) or f"{file_id}.refined", response.content

    def session(self) -> Any:
        """``async with client.session() as ws``: the editor session socket, ``/ws``."""
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        url = urlunsplit((scheme, parts.netloc, parts.path + "/ws", "", ""))
        headers = {"X-API-Key": self.api_key} if self.api_key else None
        return connect(url, compression=None, additional_headers=headers, open_timeout=10)


async def send_op(ws: ClientConnection, op: dict[str, Any]) -> None:
    await ws.send(json.dumps(op))


def _json(response: httpx.Response) -> Any:
    """A success answer's JSON; anything else means ``--url`` is not a Refiner server."""
    try:
        return response.json()
    except ValueError:
        raise CliError(
            f"{response.request.url} answered {response.status_code} with no JSON: "
            "is --url a Refiner server?"
        ) from None


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text.splitlines()[-1]


def _api_error(response: httpx.Response) -> ApiError:
    detail = f"{response.status_code} {response.reason_phrase}"
    code = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        raw = body.get("detail")
        if isinstance(raw, str):
            detail = raw
        elif raw is not None:
            detail = json.dumps(raw)
        code = body.get("code")
    if response.status_code == 401:
        detail += " (pass --api-key or set BACKEND_API_KEY)"
    return ApiError(response.status_code, detail, code)


def _filename(response: httpx.Response) -> str | None:
    header = response.headers.get("content-disposition")
    if not header:
        return None
    message = Message()
    message["content-disposition"] = header
    name = message.get_filename()
    return Path(name).name if name else None
