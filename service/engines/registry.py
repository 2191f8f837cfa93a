"""The engines this deployment offers, by name."""

from __future__ import annotations

from collections.abc import Mapping

from service.engines.base import Engine
from service.engines.local_engine import LocalEngine
from service.engines.probe import ProbeEngine
from service.settings import Settings

DEFAULT_ENGINE = "local"
KNOWN_ENGINES = ("local", "openai", "probe")


def build_engines(settings: Settings) -> Mapping[str, Engine]:
    engines: dict[str, Engine] = {"local": LocalEngine(), "probe": ProbeEngine()}
    return engines


def unavailable_reason(name: str) -> str:
    if name == "openai":
        return "the openai engine is not available in this deployment yet"
    return f"unknown engine {name!r}; known engines: {', '.join(KNOWN_ENGINES)}"
