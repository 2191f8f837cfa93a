"""The Makefile's set-up: the right interpreter or one clear line, and two locks.

Each test runs the real Makefile in a folder of its own, with a PATH that
holds only the interpreters the test puts there, so nothing is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

TEST_ONLY = {"pytest", "playwright", "schemathesis", "mypy", "ruff", "hypothesis", "uv"}
_OLD_PYTHON = """#!/bin/sh
# A python3 that is 3.10: too old for the checks, and a venv that fails.
case "$*" in
  *version_info*) exit 1 ;;
  *python_version*) echo 3.10.12 ;;
  *) echo "python3.10 was asked to: $*" >&2; exit 1 ;;
esac
"""


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, project / name)
    return project


def _bin(tmp_path: Path, **programs: str | Path) -> Path:
    """A folder for PATH with ``name: script text or a program to link``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name, program in programs.items():
        target = folder / name.replace("_", ".")
        if isinstance(program, Path):
            target.symlink_to(program)
        else:
            target.write_text(program)
            target.chmod(0o755)
    return folder


def _make(project: Path, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "-C", str(project), *args],
        env={"PATH": str(path), "HOME": str(project)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_too_old_python_stops_with_one_line_and_creates_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = _make(project, _bin(tmp_path, python3=_OLD_PYTHON), "run")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    assert lines == [
        "make: Refiner needs Python 3.11 or newer, and python3 is 3.10.12; "
        "install python3.11 or newer, or run make PYTHON=/path/to/python3.11"
    ]
    assert not (project / ".venv").exists()


def test_a_newer_versioned_python_on_path_is_chosen(tmp_path: Path) -> None:
    project = _project(tmp_path)
    path = _bin(tmp_path, python3=_OLD_PYTHON, python3_12=Path(sys.executable))
    result = _make(project, path, "-n", "run")
    assert result.returncode == 0, result.stderr
    assert "python3.12 -m venv .venv" in result.stdout


def test_a_half_built_venv_is_made_again(tmp_path: Path) -> None:
    """No stamp: the folder goes before a new one is made (here the new one fails)."""
    project = _project(tmp_path)
    leftover = project / ".venv" / "bin" / "python"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("#!/bin/sh\nexit 1\n")
    leftover.chmod(0o755)
    failing_venv = '#!/bin/sh\ncase "$*" in *version_info*) exit 0 ;; *) exit 1 ;; esac\n'
    rm = shutil.which("rm")
    assert rm is not None
    result = _make(project, _bin(tmp_path, python3=failing_venv, rm=Path(rm)), "run")
    assert result.returncode != 0
    assert "install python3-venv" in result.stderr
    assert not (project / ".venv").exists()


def _pins(lock: Path) -> dict[str, str]:
    text = lock.read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.MULTILINE))
    requirements = re.findall(r"^[A-Za-z0-9_.-]+==.*?(?=^[A-Za-z0-9_.-]+==|\Z)", text, re.M | re.S)
    assert all("--hash=sha256:" in requirement for requirement in requirements), lock.name
    return pins


def test_run_installs_only_what_the_service_needs_pinned_with_hashes() -> None:
    run = _pins(ROOT / "requirements.lock")
    dev = _pins(ROOT / "requirements-dev.lock")
    assert not TEST_ONLY & set(run)
    assert set(dev) >= TEST_ONLY
    assert {"fastapi", "uvicorn", "setuptools"} <= set(run)
    assert {name: dev[name] for name in run} == run, "the two locks disagree on a version"
