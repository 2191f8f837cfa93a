"""Typed access to what the app's lifespan put on ``app.state``."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import HTTPConnection

from actors.supervisor import Supervisor
from service.engines.base import Engine
from service.settings import Settings
from service.store import Store


def supervisor(conn: HTTPConnection) -> Supervisor:
    sup: Supervisor = conn.app.state.supervisor
    return sup


def store(conn: HTTPConnection) -> Store:
    st: Store = conn.app.state.store
    return st


def settings(conn: HTTPConnection) -> Settings:
    s: Settings = conn.app.state.settings
    return s


def engines(conn: HTTPConnection) -> Mapping[str, Engine]:
    e: Mapping[str, Engine] = conn.app.state.engines
    return e
