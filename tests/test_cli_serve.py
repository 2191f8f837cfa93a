"""``refiner serve`` started from any folder: the shipped templates, and where its data goes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port, read_as_setting, wait_until_ready

REFINER = Path(sys.executable).parent / "refiner"

pytestmark = pytest.mark.skipif(
    not REFINER.exists(), reason=f"{REFINER} is missing: pip install -e . installs it"
)


def test_serve_outside_the_checkout_offers_the_templates_and_says_where_data_goes(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not read_as_setting(k)}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(REFINER), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(process, url, log_path.read_text, "refiner serve", 30)
        templates = httpx.get(f"{url}/style/templates").json()["templates"]
        assert {"business", "academic"} <= {t["name"] for t in templates}
    finally:
        process.terminate()
        process.wait(15)
    log_text = log_path.read_text()
    assert f"data in {tmp_path / 'data'}, outputs in {tmp_path / 'output'}" in log_text
    assert (tmp_path / "data").is_dir()
