"""A setting the service cannot use stops ``python -m service`` with one line.

Each case starts the real server with one thing wrong and reads what it
prints: one line on stderr naming the variable, exit status 2, no traceback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.server import ROOT, ServerProcess, free_port, read_as_setting


def _start(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not read_as_setting(k)}
    env.update(
        REFINER_HOST="127.0.0.1",
        REFINER_PORT=str(free_port()),
        REFINER_DATA_DIR=str(tmp_path / "data"),
        REFINER_OUTPUT_DIR=str(tmp_path / "output"),
        REFINER_FEEDBACK_DIR=str(tmp_path / "feedback"),
        REFINER_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "service"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("variable", ["REFINER_DATA_DIR", "REFINER_OUTPUT_DIR"])
def test_a_folder_that_is_a_file(tmp_path: Path, variable: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = _one_line(_start(tmp_path, **{variable: str(blocker)}))
    assert line == f"refiner: cannot start: {variable}: {blocker} exists and is not a folder"


@pytest.mark.parametrize("variable", ["REFINER_DATA_DIR", "REFINER_FEEDBACK_DIR"])
def test_a_folder_that_cannot_be_created(tmp_path: Path, variable: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = _one_line(_start(tmp_path, **{variable: str(blocker / "below")}))
    assert line.startswith(f"refiner: cannot start: {variable}: {blocker / 'below'} ")
    assert "cannot be created" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir(mode=0o555)
    line = _one_line(_start(tmp_path, REFINER_OUTPUT_DIR=str(output)))
    assert line == f"refiner: cannot start: REFINER_OUTPUT_DIR: {output} is not writable"


def test_a_data_folder_held_by_another_server(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "first") as first:
        line = _one_line(_start(tmp_path, REFINER_DATA_DIR=first.env["REFINER_DATA_DIR"]))
    assert line.startswith("refiner: cannot start: REFINER_DATA_DIR: the data directory ")
    assert "in use by another Refiner server" in line


def test_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _one_line(_start(tmp_path, REFINER_PORT=str(port)))
    assert line == (
        f"refiner: cannot start: REFINER_PORT: port {port} on 127.0.0.1 is already in use; "
        "stop the other server or choose another port"
    )


def test_a_value_of_the_wrong_kind_is_said_in_words(tmp_path: Path) -> None:
    line = _one_line(_start(tmp_path, REFINER_PORT="eighty", REFINER_MAX_JOBS="0"))
    assert line == (
        "refiner: bad configuration: "
        'REFINER_PORT: must be a whole number from 0 to 65535 (got "eighty"); '
        'REFINER_MAX_JOBS: must be a whole number of at least 1 (got "0")'
    )


def test_a_host_that_does_not_resolve(tmp_path: Path) -> None:
    # A name no resolver is asked about: glibc refuses it before any lookup.
    line = _one_line(_start(tmp_path, REFINER_HOST="bad host!"))
    assert line.startswith("refiner: cannot start: REFINER_HOST: 'bad host!' does not resolve")


def test_a_missing_templates_folder_is_one_warning(tmp_path: Path) -> None:
    missing = tmp_path / "no-templates"
    with ServerProcess(tmp_path, REFINER_TEMPLATES_DIR=str(missing)) as server:
        assert httpx.get(f"{server.url}/style/templates").json()["templates"] == []
        log = server.log()
    warnings = [line for line in log.splitlines() if "REFINER_TEMPLATES_DIR" in line]
    assert len(warnings) == 1
    assert f"{missing} is not a folder" in warnings[0]
    assert "WARNING" in warnings[0]


def test_health_is_not_ready_while_the_output_folder_is_unwritable(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        output = Path(server.env["REFINER_OUTPUT_DIR"])
        output.rmdir()
        output.write_text("not a folder")
        answer = httpx.get(f"{server.url}/health")
        assert answer.status_code == 503
        assert answer.json()["ready"] is False
        assert answer.json()["problems"] == [
            f"REFINER_OUTPUT_DIR: {output} exists and is not a folder"
        ]
        output.unlink()
        output.mkdir()
        assert httpx.get(f"{server.url}/health").json()["ready"] is True


def test_ctrl_c_exits_cleanly(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path).start()
    assert server.process is not None
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(15) == 130
    assert "Traceback" not in server.log()
    assert "KeyboardInterrupt" not in server.log()
