"""Every error answer is JSON with a human-readable ``detail`` and a stable ``code``."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from actors.errors import JobConflict, JobNotFound, QueueFull, ShuttingDown
from service.validation import FieldLookup, Loc, dotted, explain, listed, model_fields

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


class InvalidBody(RequestValidationError):
    """A body a route validated itself, against ``model``, and found wrong."""

    def __init__(self, errors: Sequence[Any], model: type[BaseModel]) -> None:
        super().__init__(errors)
        self.model = model


def in_body(field: FieldLookup) -> FieldLookup:
    """``field`` for locations as FastAPI gives them, under ``body``."""
    return lambda loc: field(loc[1:]) if loc[:1] == ("body",) else None


def route_fields(route: Any) -> FieldLookup:
    """The declarations of a FastAPI route's parameters and body, by error location."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return lambda loc: None
    params: dict[tuple[str, str], FieldInfo] = {}
    for where, fields in (
        ("query", dependant.query_params),
        ("path", dependant.path_params),
        ("header", dependant.header_params),
        ("cookie", dependant.cookie_params),
    ):
        params.update({(where, f.alias): f.field_info for f in fields})
    body = getattr(route, "body_field", None)
    model = getattr(body.field_info, "annotation", None) if body is not None else None
    in_model = (
        in_body(model_fields(model))
        if isinstance(model, type) and issubclass(model, BaseModel)
        else None
    )

    def lookup(loc: Loc) -> FieldInfo | None:
        if len(loc) == 2 and (found := params.get((str(loc[0]), str(loc[1])))) is not None:
            return found
        return in_model(loc) if in_model is not None else None

    return lookup


def validation_failed(errors: Sequence[Mapping[str, Any]], field: FieldLookup) -> JSONResponse:
    """The 422 of a request pydantic refused: each problem in words, and the list as data."""
    if any(e.get("type") == "json_invalid" for e in errors):
        bad = next(e for e in errors if e.get("type") == "json_invalid")
        detail = f"the body is not valid JSON: {(bad.get('ctx') or {}).get('error', 'unreadable')}"
    else:
        detail = "; ".join(explain(errors, field=field, name=_request_name)) or "invalid request"
    return JSONResponse(
        {"detail": detail, "code": "invalid_request", "errors": listed(errors, field=field)},
        status_code=422,
    )


def _request_name(loc: Loc) -> str:
    """A body's field by its name; a parameter by its name and where it goes."""
    if loc and loc[0] in ("query", "path", "header", "cookie") and len(loc) > 1:
        return f"{dotted(loc[1:])} (a {loc[0]} parameter)" if loc[0] != "query" else dotted(loc[1:])
    return dotted(loc[1:] if loc and loc[0] == "body" else loc)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        if isinstance(exc, InvalidBody):
            field = in_body(model_fields(exc.model))
        else:
            field = route_fields(request.scope.get("route"))
        return validation_failed(exc.errors(), field)

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
