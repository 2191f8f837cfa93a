"""A minimal WebSocket client for the load client's hot path.

The ``websockets`` client spends about 10 µs of Python per received frame
(its Sans-I/O parser, then a queue and a task switch per message); at one
frame per event per subscriber the client's core, not the server, would set
"the bare-websockets limit". This reader parses every frame of a received
chunk in one loop. It speaks just enough of RFC 6455 for a benchmark on
loopback: no extensions, text frames, answers to ping and close. Frames it
sends are masked with a zero key, which leaves the payload as it is.
"""

from __future__ import annotations

import base64
import contextlib
import os
import time
from collections.abc import Callable
from types import TracebackType

import anyio
import anyio.abc

from bench._rawhttp import request_head

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
_CHUNK = 1 << 18


class HandshakeFailed(OSError):
    """The server did not switch protocols."""


def _frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + b"\0\0\0\0" + payload


class RawWebSocket:
    """One client connection; use as an async context manager."""

    def __init__(self, stream: anyio.abc.SocketStream, rest: bytes) -> None:
        self._stream = stream
        self._buffer = bytearray(rest)
        # When the bytes being parsed arrived: a delivery's time, however long
        # the frames before it in the same read take to handle.
        self.received_at = time.time()
        self._fragments: list[bytes] = []
        self._outgoing: list[bytes] = []
        self.close_code: int | None = None

    @classmethod
    async def connect(cls, url: str) -> RawWebSocket:
        key = base64.b64encode(os.urandom(16)).decode()
        upgrade = (
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        )
        stream, status, _, rest = await request_head(url, upgrade)
        if b" 101 " not in status + b" ":
            await stream.aclose()
            raise HandshakeFailed(f"handshake refused: {status.decode(errors='replace')}")
        return cls(stream, rest)

    async def send_text(self, text: str) -> None:
        await self._stream.send(_frame(OP_TEXT, text.encode()))

    def queue_text(self, text: str) -> None:
        """Send ``text`` once the frames already received are handled."""
        self._outgoing.append(_frame(OP_TEXT, text.encode()))

    async def read(self, on_text: Callable[[bytes], bool]) -> None:
        """Call ``on_text`` with each text message until the server closes.

        ``on_text`` returns True to stop reading (the socket is then closed).
        """
        try:
            while True:
                stop = await self._parse(on_text)
                if self._outgoing:
                    await self._stream.send(b"".join(self._outgoing))
                    self._outgoing.clear()
                if stop:
                    return
                try:
                    self._buffer += await self._stream.receive(_CHUNK)
                    self.received_at = time.time()
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    return
        finally:
            await self.aclose()

    async def _parse(self, on_text: Callable[[bytes], bool]) -> bool:
        buf = self._buffer
        i, end = 0, len(buf)
        try:
            while end - i >= 2:
                b0, b1 = buf[i], buf[i + 1]
                n, at = b1 & 0x7F, i + 2
                if n == 126:
                    if end - at < 2:
                        break
                    n, at = int.from_bytes(buf[at : at + 2], "big"), at + 2
                elif n == 127:
                    if end - at < 8:
                        break
                    n, at = int.from_bytes(buf[at : at + 8], "big"), at + 8
                if end - at < n:
                    break
                payload = bytes(buf[at : at + n])
                i = at + n
                opcode = b0 & 0x0F
                if opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                    if not b0 & 0x80:
                        self._fragments.append(payload)
                        continue
                    if self._fragments:
                        payload = b"".join([*self._fragments, payload])
                        self._fragments.clear()
                    if on_text(payload):
                        return True
                elif opcode == OP_PING:
                    await self._stream.send(_frame(OP_PONG, payload))
                elif opcode == OP_CLOSE:
                    self.close_code = int.from_bytes(payload[:2], "big") if n >= 2 else 1005
                    await self._stream.send(_frame(OP_CLOSE, payload[:2]))
                    return True
        finally:
            del buf[:i]
        return False

    async def aclose(self) -> None:
        if self.close_code is None:
            self.close_code = 1000
            gone = (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError)
            with anyio.move_on_after(1, shield=True), contextlib.suppress(*gone):
                await self._stream.send(_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
        await self._stream.aclose()

    async def __aenter__(self) -> RawWebSocket:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
