"""The optional shared API key (``BACKEND_API_KEY``).

Requests carry it as ``X-API-Key`` or ``Authorization: Bearer``. Browsers
cannot set headers on ``WebSocket`` or ``EventSource``, so the streaming
routes also accept ``?api_key=``. Keys are compared in constant time.
"""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection

from service.errors import ApiError


def presented_key(conn: HTTPConnection, *, allow_query: bool) -> str | None:
    key = conn.headers.get("x-api-key")
    if key:
        return key
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
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


async def require_api_key(conn: HTTPConnection) -> None:
    """Dependency for REST routes."""
    if not key_is_valid(conn, _expected(conn), allow_query=False):
        raise ApiError(
            401,
            "unauthorized",
            "a valid API key is required (X-API-Key or Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )


async def require_stream_key(conn: HTTPConnection) -> None:
    """Dependency for SSE routes: a header or ``?api_key=``."""
    if not key_is_valid(conn, _expected(conn), allow_query=True):
        raise ApiError(
            401,
            "unauthorized",
            "a valid API key is required (X-API-Key, Authorization: Bearer or ?api_key=)",
            headers={"WWW-Authenticate": "Bearer"},
        )
