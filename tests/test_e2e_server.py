"""How the server starts, and what it tells browsers from other origins."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess
from tests.support.streams import refine_streamed, types
from tests.support.texts import SAMPLE


async def test_uvicorn_serves_the_app_module(make_server: Callable[..., ServerProcess]) -> None:
    server = make_server(command=[sys.executable, "-m", "uvicorn", "service.app:app"])
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        envelopes = await refine_streamed(client, {"text": SAMPLE, "passes": 1})
        assert types(envelopes)[-2:] == ["done", "stream_end"]


def test_the_app_module_holds_one_app(tmp_path: Path) -> None:
    """Built from the environment on first use, then the same object on every access."""
    probe = "import service.app as m; print(m.app is m.app, type(m.app).__name__)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "REFINER_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["True", "Refiner"]


async def test_cors_allows_only_the_configured_origins(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(REFINER_CORS_ORIGINS="https://editor.example")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        allowed = await client.get("/jobs", headers={"Origin": "https://editor.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://editor.example"

        other = await client.get("/jobs", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers

        preflight = await client.options(
            "/refine/run",
            headers={
                "Origin": "https://editor.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-api-key",
            },
        )
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]
        refused = await client.options(
            "/refine/run",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code == 400


def test_a_bad_setting_stops_the_server_with_one_line_naming_it(
    make_server: Callable[..., ServerProcess],
) -> None:
    with pytest.raises(RuntimeError, match="exited at start") as stopped:
        make_server(REFINER_PORT="eighty", REFINER_CONTEXT_WINDOWS='{"m": 10}')
    log = str(stopped.value)
    assert "refiner: bad configuration: REFINER_PORT: " in log
    assert "REFINER_CONTEXT_WINDOWS['m']: " in log
    assert "Traceback" not in log
