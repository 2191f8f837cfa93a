"""``GET /openapi.json``: the API's OpenAPI document, behind the API key like the data.

Two things FastAPI cannot infer are filled in: the body of ``POST
/refine/run`` (read by hand, JSON or multipart) and the shape of error
answers, which are ``{"detail", "code"}`` objects (see service/errors.py)
rather than FastAPI's default list of validation errors.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from service.api.schemas import RefineRequest

router = APIRouter(include_in_schema=False)


class ErrorBody(BaseModel):
    detail: str = Field(description="what was wrong, and what is allowed")
    code: str = Field(description="a stable code for programs")
    errors: list[dict[str, Any]] | None = Field(
        None, description="for invalid requests: each problem with its location"
    )


def complete(openapi: dict[str, Any]) -> dict[str, Any]:
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    schema = RefineRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components["RefineRequest"] = schema
    # Every 422 FastAPI documents refers to this component: make it what we send.
    components["HTTPValidationError"] = ErrorBody.model_json_schema()
    return openapi


@router.get("/openapi.json")
async def openapi_document(request: Request) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema
