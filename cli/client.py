"""The server's REST routes over httpx, and its ``/ws`` session over ``websockets``.

Exceptions::

    CliError            a one-line reason, and the exit code that goes with it
    ├── BadInput        a file or an argument the command cannot use (exit 2)
    ├── Unreachable     no server answers at the URL, or not a Refiner one (exit 3)
    └── ApiError        the server answered with an error (exit 1)
        └── KeyRefused  the API key is missing or wrong
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


class KeyRefused(ApiError):
    """401: no API key was sent, or not the server's."""

    def __init__(self, message: str) -> None:
        super().__init__(401, message, "unauthorized")


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
        raise self._api_error(response)

    async def get_json(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return self._json(await self.request("GET", path, params=query))

    async def post_json(self, path: str, body: Any = None) -> Any:
        return self._json(await self.request("POST", path, json=body))

    def not_refiner(self) -> Unreachable:
        return Unreachable(f"no Refiner API at {self.url}: is --url the right server?")

    def key_refused(self) -> KeyRefused:
        """A missing key and a wrong one are told apart by what this command sent."""
        if self.api_key is None:
            return KeyRefused(
                f"the server at {self.url} needs an API key: "
                "pass --api-key KEY or set BACKEND_API_KEY"
            )
        return KeyRefused(
            f"the server at {self.url} refused the API key given "
            "(--api-key or BACKEND_API_KEY): check it"
        )

    def _json(self, response: httpx.Response) -> Any:
        """A success answer's JSON; anything else means ``--url`` is not a Refiner server."""
        try:
            return response.json()
        except ValueError:
            raise self.not_refiner() from None

    def _api_error(self, response: httpx.Response) -> CliError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "detail" not in body:
            # Every Refiner error is JSON with a detail: this is some other server.
            return self.not_refiner()
        if response.status_code == 401:
            return self.key_refused()
        raw = body["detail"]
        detail = raw if isinstance(raw, str) else json.dumps(raw)
        code = body.get("code")
        return ApiError(response.status_code, detail, code if isinstance(code, str) else None)

    async def upload(self, path: Path) -> dict[str, Any]:
        try:
            data = await anyio.Path(path).read_bytes()
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
        files = {"file": (path.name, data, "application/octet-stream")}
        try:
            answer: dict[str, Any] = self._json(await self.request("POST", "/files", files=files))
        except KeyRefused:
            raise  # about the server, not about the file
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


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text.splitlines()[-1]


def _filename(response: httpx.Response) -> str | None:
    header = response.headers.get("content-disposition")
    if not header:
        return None
    message = Message()
    message["content-disposition"] = header
    name = message.get_filename()
    return Path(name).name if name else None
