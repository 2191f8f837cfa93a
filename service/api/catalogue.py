"""``GET /strategies``: what each engine can do, and how people rate it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api import state
from service.api.feedback import plan_positions
from service.api.job_plans import auto_plan
from service.api.responses import protected
from service.engines import local
from service.engines.base import StrategyInfo
from service.engines.registry import unavailable_reason, unconfigured
from service.feedback import PRIOR_DESCRIPTION

router = APIRouter()


@router.get(
    "/strategies",
    summary="The strategy catalogue, by engine, with feedback scores",
    responses=protected(),
)
async def strategies(request: Request) -> dict[str, Any]:
    """Every strategy with the engines here that run it and its scores; a strategy only an
    engine not configured here runs has no engines, and ``unavailable`` says why."""
    engines = state.engines(request)
    scores = state.feedback_scores(request)
    positions = plan_positions(engines)
    catalogue: dict[str, dict[str, Any]] = {}
    for engine_name, engine in engines.items():
        for index, info in enumerate(engine.strategies().values()):
            entry = catalogue.setdefault(info.name, _entry(info))
            position = positions.get((info.name, engine_name), index)
            entry["engines"].append(engine_name)
            entry["scores"][engine_name] = round(scores.score(info.name, engine_name, position), 4)
            entry["feedback"][engine_name] = scores.count(info.name, engine_name)
    # What an engine this deployment does not offer would run, and why it is not offered.
    for engine_name, offered in unconfigured(engines).items():
        for info in offered.values():
            entry = catalogue.setdefault(info.name, _entry(info))
            entry.setdefault("unavailable", {})[engine_name] = unavailable_reason(engine_name)
    rules = [
        {"id": r.id, "strategy": r.strategy, "category": r.category, "description": r.description}
        for r in local.RULES.values()
    ]
    return {
        "strategies": list(catalogue.values()),
        "default_plan": {name: list(e.default_plan()) for name, e in engines.items()},
        "auto_plan": {name: list(auto_plan(e, scores)) for name, e in engines.items()},
        "score": PRIOR_DESCRIPTION,
        "rules": rules,
    }


def _entry(info: StrategyInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "description": info.description,
        "categories": list(info.categories),
        "engines": [],
        "scores": {},
        "feedback": {},
    }
