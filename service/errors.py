"""Every error answer is JSON with a human-readable ``detail`` and a stable ``code``."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from actors.errors import JobConflict, JobNotFound, QueueFull, ShuttingDown

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
        self.extra = extra


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, f"{what}_not_found", f"no {what.replace('_', ' ')} with id {ident!r}")


def invalid(detail: str, code: str = "invalid_request") -> ApiError:
    return ApiError(422, code, detail)


def error_response(exc: ApiError) -> JSONResponse:
    """An error as every answer carries it: its `detail` and `code` as JSON."""
    return JSONResponse(
        {"detail": exc.detail, "code": exc.code, **exc.extra},
        status_code=exc.status,
        headers=exc.headers,
    )


# The methods a 405's Allow may name.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """Every method the request's path answers, across all its routes.

    Starlette's 405 names only the methods of the first route whose path
    matched, and a path such as ``/jobs/{job_id}`` has one route per method.
    """
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "json_invalid":
        return f"the body is not valid JSON: {error.get('ctx', {}).get('error', message)}"
    return f"{where}: {message}" if where else message


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        detail = "; ".join(_describe(e) for e in exc.errors()) or "invalid request"
        return JSONResponse(
            {"detail": detail, "code": "invalid_request", "errors": errors}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return JSONResponse(
            {"detail": exc.detail, "code": f"http_{exc.status_code}"},
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(sqlite3.Error)
    async def storage_error(request: Request, exc: sqlite3.Error) -> JSONResponse:
        # A full disk or an unwritable database: nothing was changed; try later.
        log.error("storage error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            ApiError(
                503,
                "storage_unavailable",
                f"the service cannot store data right now ({exc}); nothing was changed",
                headers={"Retry-After": "30"},
            )
        )

    @app.exception_handler(JobNotFound)
    async def job_not_found(request: Request, exc: JobNotFound) -> JSONResponse:
        return error_response(not_found("job", exc.job_id))

    @app.exception_handler(JobConflict)
    async def job_conflict(request: Request, exc: JobConflict) -> JSONResponse:
        return error_response(ApiError(409, "job_conflict", str(exc)))

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, QueueFull | ShuttingDown)
        return error_response(ApiError(503, exc.code, str(exc), headers={"Retry-After": "5"}))

    for busy in (QueueFull, ShuttingDown):  # both pass: ask again shortly
        app.add_exception_handler(busy, unavailable)
