from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import chromium
from tests.support.server import ServerProcess, read_as_setting

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def hermetic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process ``Settings()`` sees no setting from the shell that runs the tests."""
    for name in list(os.environ):
        if read_as_setting(name):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One shared server with default settings, for tests that need nothing special."""
    with ServerProcess(tmp_path_factory.mktemp("shared-server")) as proc:
        yield proc


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers with their own settings; all are stopped after the test."""
    started: list[ServerProcess] = []

    def make(
        workdir: Path | None = None, *, command: list[str] | None = None, **env: str
    ) -> ServerProcess:
        proc = ServerProcess(
            workdir or tmp_path / f"server{len(started)}", command=command, env=env
        )
        started.append(proc)
        return proc.start()

    yield make
    for proc in started:
        proc.__exit__(None, None, None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium for a module of page tests (they skip without it: requires_browser)."""
    with chromium() as launched:
        yield launched
