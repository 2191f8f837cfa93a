"""One HTTP/1.1 request head over a fresh loopback connection: what both raw clients open with."""

from __future__ import annotations

from urllib.parse import urlsplit

import anyio
import anyio.abc


async def request_head(
    url: str, headers: str
) -> tuple[anyio.abc.SocketStream, bytes, list[bytes], bytes]:
    """``GET url`` with ``headers`` (CRLF-ended lines); the response's head, and the rest.

    Returns the open stream, the status line, the header lines and whatever
    followed the head in what was read. The stream is closed if this fails.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    stream = await anyio.connect_tcp(host, port)
    try:
        await stream.send(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received:
            received += await stream.receive()
    except BaseException:
        await stream.aclose()
        raise
    head, _, rest = received.partition(b"\r\n\r\n")
    status, *header_lines = head.split(b"\r\n")
    return stream, status, header_lines, rest
