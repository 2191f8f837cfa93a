"""The optional shared API key (``BACKEND_API_KEY``).

Requests carry it as ``X-API-Key`` or ``Authorization: Bearer``, either
trimmed of surrounding whitespace as every HTTP field value is (RFC 9110).
Browsers cannot set headers on ``WebSocket`` or ``EventSource``, so the
streaming routes also accept ``?api_key=``. Keys are compared in constant
time.

:class:`ApiKeyGate` checks the key of every HTTP request before routing, so
that no body is read or parsed for a request without one (FastAPI parses a
form before it runs a route's dependencies); the dependencies below stay on
the routes as a second line.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from service.errors import ApiError, error_response


def presented_key(conn: HTTPConnection, *, allow_query: bool) -> str | None:
    key = conn.headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = conn.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if allow_query:
        return conn.query_params.get("api_key")
    return None


def key_is_valid(conn: HTTPConnection, expected: str | None, *, allow_query: bool) -> bool:
    if expected is None:
        return True
    given = presented_key(conn, allow_query=allow_query)
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _expected(conn: HTTPConnection) -> str | None:
    key: str | None = conn.app.state.settings.backend_api_key
    return key


def _unauthorized(*, allow_query: bool) -> ApiError:
    ways = (
        "X-API-Key, Authorization: Bearer or ?api_key="
        if allow_query
        else ("X-API-Key or Authorization: Bearer")
    )
    return ApiError(
        401,
        "unauthorized",
        f"a valid API key is required ({ways})",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def require_api_key(conn: HTTPConnection) -> None:
    """Dependency for REST routes."""
    if not key_is_valid(conn, _expected(conn), allow_query=False):
        raise _unauthorized(allow_query=False)


async def require_stream_key(conn: HTTPConnection) -> None:
    """Dependency for SSE routes: a header or ``?api_key=``."""
    if not key_is_valid(conn, _expected(conn), allow_query=True):
        raise _unauthorized(allow_query=True)


class ApiKeyGate:
    """Refuse an HTTP request without a valid key (401) before anything reads its body.

    Every path needs a header key, except those of ``public`` routes (none)
    and of ``streams`` routes (a header or ``?api_key=``). A path no route
    serves needs one too, so that the 404s cannot map the API. WebSockets
    pass: their endpoints check the key at the handshake.
    """

    def __init__(
        self,
        app: ASGIApp,
        expected: str | None,
        public: Sequence[BaseRoute],
        streams: Sequence[BaseRoute],
    ) -> None:
        self.app = app
        self.expected = expected
        self.public = public
        self.streams = streams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.expected is None or self._serves(self.public, scope):
            await self.app(scope, receive, send)
            return
        allow_query = self._serves(self.streams, scope)
        if key_is_valid(HTTPConnection(scope), self.expected, allow_query=allow_query):
            await self.app(scope, receive, send)
            return
        await error_response(_unauthorized(allow_query=allow_query))(scope, receive, send)

    @staticmethod
    def _serves(routes: Sequence[BaseRoute], scope: Scope) -> bool:
        # A route of another method (405) is still the route of this path.
        return any(route.matches(scope)[0] is not Match.NONE for route in routes)
