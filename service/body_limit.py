"""Refuse oversized requests: bodies (413), headers (431) and URLs (414), before any handler.

Headers and URLs are refused first, as their bytes arrive, by
``service/http_protocol.py``; the checks here are a second line for a server
run with another protocol.

The body is read here, up to the limit, and handed on as one message. A
body past the limit is read on and thrown away (up to a bound) before the
413 is sent, since most clients only read an answer once they have sent
their whole request; nothing past the limit is kept in memory.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Past this many bytes of an oversized body, answer and let the connection drop.
_DRAIN_BYTES = 64 * 1024 * 1024
# Requests with more header bytes (431) or a longer request target (414) are refused.
MAX_HEADER_BYTES = 32 * 1024
MAX_URL_BYTES = 16 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header_bytes = sum(len(k) + len(v) for k, v in scope["headers"])
            if header_bytes > MAX_HEADER_BYTES:
                await self._refuse(send, 431, f"the headers are over {MAX_HEADER_BYTES} bytes")
                return
            if len(scope.get("raw_path") or b"") + len(scope["query_string"]) > MAX_URL_BYTES:
                await self._refuse(send, 414, f"the URL is over {MAX_URL_BYTES} bytes")
                return
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._drain(receive, size, more=message.get("more_body", False))
                await self._refuse(
                    send, 413, f"the request body is over the {self.max_bytes}-byte limit"
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _drain(receive: Receive, size: int, *, more: bool) -> None:
        while more and size < _DRAIN_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            more = message.get("more_body", False)

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str) -> None:
        payload = json.dumps({"detail": detail, "code": "too_large"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
