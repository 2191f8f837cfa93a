"""Typed access to the running services the app's lifespan put on ``app.state``."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import HTTPConnection

from actors.supervisor import Supervisor
from service.engines.base import Engine
from service.feedback import FeedbackLog, FeedbackScores
from service.runtime import Services
from service.settings import Settings
from service.store import Store
from transports.registry import StreamRegistry


def services(conn: HTTPConnection) -> Services:
    running: Services = conn.app.state.services
    return running


def settings(conn: HTTPConnection) -> Settings:
    s: Settings = conn.app.state.settings
    return s


def supervisor(conn: HTTPConnection) -> Supervisor:
    return services(conn).supervisor


def store(conn: HTTPConnection) -> Store:
    return services(conn).store


def engines(conn: HTTPConnection) -> Mapping[str, Engine]:
    return services(conn).engines


def streams(conn: HTTPConnection) -> StreamRegistry:
    return services(conn).streams


def feedback_log(conn: HTTPConnection) -> FeedbackLog:
    return services(conn).feedback_log


def feedback_scores(conn: HTTPConnection) -> FeedbackScores:
    return services(conn).feedback_scores
