"""``GET /strategies``: what each engine can do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api import state
from service.engines import local

router = APIRouter()


@router.get("/strategies", summary="The strategy catalogue, by engine")
async def strategies(request: Request) -> dict[str, Any]:
    engines = state.engines(request)
    catalogue: dict[str, dict[str, Any]] = {}
    for engine_name, engine in engines.items():
        for position, info in enumerate(engine.strategies().values()):
            entry = catalogue.setdefault(
                info.name,
                {
                    "name": info.name,
                    "description": info.description,
                    "engines": [],
                    "categories": list(info.categories),
                    "default_position": position,
                },
            )
            entry["engines"].append(engine_name)
    rules = [
        {"id": r.id, "strategy": r.strategy, "category": r.category, "description": r.description}
        for r in local.RULES.values()
    ]
    return {
        "strategies": list(catalogue.values()),
        "default_plan": {name: list(e.default_plan()) for name, e in engines.items()},
        "rules": rules,
    }
