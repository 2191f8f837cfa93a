"""The engines this deployment offers, by name, and how to ask for one that is missing."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import anyio

from service.engines.base import Engine, StrategyInfo
from service.engines.llm import LLMConfig, OpenAIEngine, strategy_catalogue, strategy_names
from service.engines.local_engine import LocalEngine
from service.engines.probe import ProbeEngine
from service.settings import Settings

log = logging.getLogger(__name__)

KNOWN_ENGINES = ("local", "openai", "probe")
# How long closing the engines' connections may hold up shutdown.
CLOSE_SECONDS = 5.0


def build_engines(settings: Settings) -> dict[str, Engine]:
    """The engines to offer; close them with :func:`close_engines`.

    ``openai`` is offered when ``OPENAI_API_KEY`` is set. An OpenAI-compatible
    server that checks no key still needs one set: any non-empty string.
    """
    engines: dict[str, Engine] = {
        "local": LocalEngine(settings.dictionary),
        "probe": ProbeEngine(),
    }
    if settings.openai_api_key:
        engines["openai"] = OpenAIEngine.connect(
            settings.openai_api_key, settings.openai_base_url, LLMConfig.from_settings(settings)
        )
    return engines


async def close_engines(engines: Mapping[str, Engine]) -> None:
    """Close what the engines hold open (the openai engine's connections)."""
    with anyio.move_on_after(CLOSE_SECONDS, shield=True):
        for name, engine in engines.items():
            aclose = getattr(engine, "aclose", None)
            if aclose is None:
                continue
            try:
                await aclose()
            except Exception:
                log.exception("engine %s did not close cleanly", name)


def unconfigured(engines: Mapping[str, Engine]) -> dict[str, Mapping[str, StrategyInfo]]:
    """The strategies of every known engine this deployment does not offer, by engine."""
    known_offline = {"openai": strategy_catalogue}
    return {name: known() for name, known in known_offline.items() if name not in engines}


def default_engine(engines: Mapping[str, Engine]) -> str:
    """The engine of a request that names none: the LLM when it is configured."""
    return "openai" if "openai" in engines else "local"


def unavailable_reason(name: str) -> str:
    if name == "openai":
        return (
            "the openai engine is not configured: set OPENAI_API_KEY (any non-empty string "
            "for an OpenAI-compatible server without auth) and, for a server other than "
            "OpenAI's, OPENAI_BASE_URL"
        )
    return f"unknown engine {name!r}; known engines: {', '.join(KNOWN_ENGINES)}"


def missing_strategy(engine: str, strategy: str, engines: Mapping[str, Engine]) -> str | None:
    """Why ``engine`` cannot run ``strategy``, naming the engines that can; ``None`` if it can."""
    offered = engines.get(engine)
    if offered is not None and strategy in offered.strategies():
        return None
    able = [name for name, e in engines.items() if strategy in e.strategies()]
    if "openai" not in engines and strategy in strategy_names():
        able.append("openai (not configured here: set OPENAI_API_KEY)")
    if not able:
        return None  # the engine's own validation names what it runs
    return (
        f"the {engine} engine does not run the strategy {strategy!r}; "
        f"ask an engine that does: {', '.join(able)}"
    )
