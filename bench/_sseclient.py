"""A minimal Server-Sent Events reader for the load client's hot path.

httpx spends most of the load client's core on SSE (h11's chunk parser and a
stream of awaits per chunk), so at 20 events/s x 1,000 subscribers the client,
not the server, set SSE's latency. This reader parses every chunk of a
received block in one loop, as ``bench/_wsclient.py`` does for WebSocket
frames. It speaks just enough HTTP/1.1 for a benchmark on loopback: one GET,
a ``200`` status, a chunked or close-delimited body of ``data:`` lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

import anyio
import anyio.abc

from bench._rawhttp import request_head

_CHUNK = 1 << 18


class RequestRefused(OSError):
    """The server did not answer 200."""


class RawEventStream:
    """One SSE response being read; use as an async context manager."""

    def __init__(self, stream: anyio.abc.SocketStream, rest: bytes, chunked: bool) -> None:
        self._stream = stream
        self._raw = bytearray(rest)  # as received, still chunk-encoded when chunked
        # When the bytes being parsed arrived: a delivery's time, however long
        # the frames before it in the same read take to handle.
        self.received_at = time.time()
        self._body = bytearray()  # the event stream itself
        self._chunked = chunked
        self.ended = False

    @classmethod
    async def connect(cls, url: str) -> RawEventStream:
        accept = "Accept: text/event-stream\r\nCache-Control: no-cache\r\n"
        stream, status, header_lines, rest = await request_head(url, accept)
        if not status.startswith(b"HTTP/1.1 200"):
            await stream.aclose()
            raise RequestRefused(f"request refused: {status.decode(errors='replace')}")
        chunked = any(
            line.lower().replace(b" ", b"") == b"transfer-encoding:chunked" for line in header_lines
        )
        return cls(stream, rest, chunked)

    async def read(self, on_data: Callable[[bytes], bool]) -> None:
        """Call ``on_data`` with each ``data:`` payload until the response ends.

        ``on_data`` returns True to stop reading (the connection is then closed).
        """
        try:
            while not self._parse(on_data) and not self.ended:
                try:
                    self._raw += await self._stream.receive(_CHUNK)
                    self.received_at = time.time()
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    return
        finally:
            await self.aclose()

    def _parse(self, on_data: Callable[[bytes], bool]) -> bool:
        if self._chunked:
            self._dechunk()
        else:
            self._body += self._raw
            self._raw.clear()
        body = self._body
        if b"\r" in body:  # sse-starlette's own frames (pings) end lines with CRLF
            body[:] = body.replace(b"\r\n", b"\n")
        end = body.rfind(b"\n\n")
        if end < 0:
            return False
        frames = bytes(body[:end]).split(b"\n\n")
        del body[: end + 2]
        for frame in frames:
            for line in frame.split(b"\n"):
                if line.startswith(b"data: ") and on_data(line[6:]):
                    return True
        return False

    def _dechunk(self) -> None:
        raw, i = self._raw, 0
        while True:
            line_end = raw.find(b"\r\n", i)
            if line_end < 0:
                break
            size = int(bytes(raw[i:line_end]).split(b";")[0], 16)
            start = line_end + 2
            if size == 0:
                self.ended = True
                i = len(raw)
                break
            if len(raw) < start + size + 2:
                break
            self._body += raw[start : start + size]
            i = start + size + 2
        del raw[:i]

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def __aenter__(self) -> RawEventStream:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
