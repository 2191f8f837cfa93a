"""``GET /strategies``: what each engine can do, and how people rate it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api import state
from service.api.feedback import plan_positions
from service.engines import local
from service.feedback import PRIOR_DESCRIPTION

router = APIRouter()


@router.get("/strategies", summary="The strategy catalogue, by engine, with feedback scores")
async def strategies(request: Request) -> dict[str, Any]:
    engines = state.engines(request)
    scores = state.feedback_scores(request)
    positions = plan_positions(engines)
    catalogue: dict[str, dict[str, Any]] = {}
    for engine_name, engine in engines.items():
        for index, info in enumerate(engine.strategies().values()):
            entry = catalogue.setdefault(
                info.name,
                {
                    "name": info.name,
                    "description": info.description,
                    "categories": list(info.categories),
                    "engines": [],
                    "scores": {},
                    "feedback": {},
                },
            )
            position = positions.get((info.name, engine_name), index)
            entry["engines"].append(engine_name)
            entry["scores"][engine_name] = round(scores.score(info.name, engine_name, position), 4)
            entry["feedback"][engine_name] = scores.count(info.name, engine_name)
    rules = [
        {"id": r.id, "strategy": r.strategy, "category": r.category, "description": r.description}
        for r in local.RULES.values()
    ]
    return {
        "strategies": list(catalogue.values()),
        "default_plan": {name: list(e.default_plan()) for name, e in engines.items()},
        "auto_plan": {
            name: list(scores.rank(name, e.default_plan())) for name, e in engines.items()
        },
        "score": PRIOR_DESCRIPTION,
        "rules": rules,
    }
