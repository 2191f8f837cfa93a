"""Uvicorn's httptools protocol, with limits on what a client may hold before its request.

Uvicorn keeps a request line and headers whole until the head ends, and keeps
a connection that never sends one open for ever. This subclass, which
``python -m service`` runs (``uvicorn --http
service.http_protocol:RefinerHttpProtocol`` for a bare command line):

- counts the bytes of each request head as they arrive: a request target
  over ``MAX_URL_BYTES`` gets 414 and a header block over
  ``MAX_HEADER_BYTES`` gets 431 as soon as the limit is crossed; nothing past
  it reaches the parser;
- closes a connection that has not sent a whole request head within
  ``HEAD_TIMEOUT_SECONDS`` of connecting or of its previous answer (408 when
  it sent part of one); uvicorn's own keep-alive timeout still closes idle
  connections sooner. A WebSocket or an SSE stream has sent its head and is
  never closed by either;
- holds at most :func:`service.open_files.connection_bound` connections: past
  it, the connection that has waited longest for a request head is closed to
  make room, as nginx reuses its idle keep-alive connections, and when none
  is waiting the newcomer gets a quick 503.

An answer that refuses a head is followed by a lingering close: the server
stops writing, reads and drops what the client still sends for up to
``LINGER_SECONDS``, then closes; closing at once would reset the connection
and could destroy the answer before the client has read it.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from http import HTTPStatus

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from service.body_limit import MAX_HEADER_BYTES, MAX_URL_BYTES
from service.open_files import connection_bound

# The rest of a request line: method, spaces, version and line end.
_REQUEST_LINE_EXTRA = 64
HEAD_TIMEOUT_SECONDS = 10.0
LINGER_SECONDS = 2.0
# A flood of refused connections logs one line a minute.
WARN_EVERY_SECONDS = 60.0
_last_warned = float("-inf")

# Per server, the connections waiting for a request head, the longest waiting first.
_waiting: weakref.WeakKeyDictionary[ServerState, dict[RefinerHttpProtocol, None]] = (
    weakref.WeakKeyDictionary()
)


class _UrlTooLong(Exception):
    """Raised from the parser's URL callback, which aborts the parse."""


class RefinerHttpProtocol(HttpToolsProtocol):
    # Bytes of the current request head received so far, and whether it is still open.
    _head_bytes = 0
    _url_bytes = 0
    _in_head = True
    _url_too_long = False
    _refused = False
    _head_timer: asyncio.TimerHandle | None = None
    _linger_timer: asyncio.TimerHandle | None = None

    # Connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > connection_bound():
            waiting = self._waiting_list()
            if not waiting:
                self._warn_full()
                self._answer(
                    HTTPStatus.SERVICE_UNAVAILABLE, "the server holds too many connections"
                )
                self.transport.close()
                return
            oldest = next(iter(waiting))
            oldest._stop_waiting()
            oldest.transport.close()
        self._start_waiting()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering: read and dropped
        self._unset_keepalive_if_required()
        while data and self._in_head:
            room = self._url_bytes + MAX_HEADER_BYTES + _REQUEST_LINE_EXTRA - self._head_bytes
            if room <= 0:
                self._refuse(
                    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    f"the headers are over {MAX_HEADER_BYTES} bytes",
                )
                return
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            if not self._feed(piece):
                return
        if data:
            self._feed(data)

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._url_bytes = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._url_bytes += len(url)
        if self._url_bytes > MAX_URL_BYTES:
            self._url_too_long = True
            raise _UrlTooLong

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_waiting()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_bytes = 0
        self._in_head = True

    def on_response_complete(self) -> None:
        idle = not self.pipeline
        super().on_response_complete()
        if idle and not self.transport.is_closing():
            self._start_waiting()

    # Internals

    def _feed(self, data: bytes) -> bool:
        """Parse ``data``; whether the connection goes on with what follows."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return False
        except httptools.HttpParserError:
            if self._url_too_long:
                self._refuse(
                    HTTPStatus.REQUEST_URI_TOO_LONG, f"the URL is over {MAX_URL_BYTES} bytes"
                )
            else:
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self.send_400_response(msg)
            return False
        return not self.transport.is_closing()

    def _warn_full(self) -> None:
        global _last_warned
        if self.loop.time() - _last_warned >= WARN_EVERY_SECONDS:
            _last_warned = self.loop.time()
            self.logger.warning(
                "%d connections are open, none waiting: new ones get 503.", len(self.connections)
            )

    def _waiting_list(self) -> dict[RefinerHttpProtocol, None]:
        return _waiting.setdefault(self.server_state, {})

    def _start_waiting(self) -> None:
        self._stop_waiting()
        self._waiting_list()[self] = None
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT_SECONDS, self._head_timed_out)

    def _stop_waiting(self) -> None:
        self._waiting_list().pop(self, None)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        self._waiting_list().pop(self, None)
        if self._head_bytes:
            self._refuse(
                HTTPStatus.REQUEST_TIMEOUT,
                f"the request head did not arrive within {HEAD_TIMEOUT_SECONDS:g} s",
            )
        elif not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: HTTPStatus, detail: str) -> None:
        """Answer ``status``, then close after lingering."""
        self._stop_waiting()
        self._refused = True
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined head while an answer is still going out: no room for another.
            self.transport.close()
            return
        self._answer(status, detail)
        if self.transport.is_closing():
            return
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    def _answer(self, status: HTTPStatus, detail: str) -> None:
        code = "too_large" if status in (414, 431) else f"http_{status.value}"
        body = json.dumps({"detail": detail, "code": code}).encode()
        head = [f"HTTP/1.1 {status.value} {status.phrase}".encode()]
        head += [name + b": " + value for name, value in self.server_state.default_headers]
        head += [
            b"content-type: application/json",
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
