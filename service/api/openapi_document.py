"""``GET /openapi.json``: the API's OpenAPI document, behind the API key like the data.

Three things FastAPI cannot infer are filled in: the body of ``POST
/refine/run`` (read by hand, JSON or multipart), the shape of error answers,
which are ``{"detail", "code"}`` objects (see service/errors.py and
service/api/responses.py) rather than FastAPI's default list of validation
errors, and the API key, which every operation but the public ones needs
when the deployment sets one.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Request

from service.api.responses import ErrorBody
from service.api.schemas import RefineRequest

router = APIRouter(include_in_schema=False)

SECURITY_SCHEMES: dict[str, Any] = {
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "Bearer": {"type": "http", "scheme": "bearer"},
    "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
}
# Either header will do; streams (marked ``x-query-key``) also take ``?api_key=``.
KEY_REQUIRED: list[dict[str, list[str]]] = [{"ApiKey": []}, {"Bearer": []}]
KEY_REQUIRED_OR_QUERY = [*KEY_REQUIRED, {"ApiKeyQuery": []}]


def complete(openapi: dict[str, Any]) -> dict[str, Any]:
    components = openapi.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schema = RefineRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas["RefineRequest"] = schema
    # Every 422 FastAPI documents refers to this component: make it what we send.
    schemas["HTTPValidationError"] = ErrorBody.model_json_schema()
    components["securitySchemes"] = SECURITY_SCHEMES
    return openapi


def with_key_required(openapi: dict[str, Any]) -> dict[str, Any]:
    """The document of a deployment with an API key: every operation needs it, unless it
    says otherwise (``security: []``)."""
    document = copy.deepcopy(openapi)
    document["security"] = KEY_REQUIRED
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if operation.get("x-query-key"):
                operation["security"] = KEY_REQUIRED_OR_QUERY
    return document


@router.get("/openapi.json")
async def openapi_document(request: Request) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    if request.app.state.settings.backend_api_key is None:
        return schema
    return with_key_required(schema)
