"""``refiner refine`` on a real terminal (tmux): live bars, then a clean summary."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE

REFINER = Path(sys.executable).parent / "refiner"
TMUX = shutil.which("tmux")

pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)"),
    pytest.mark.skipif(not REFINER.exists(), reason=f"{REFINER} is missing"),
]


class Pane:
    """One tmux server on a private socket, one window of 120 by 40."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-S", str(self.socket), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def start(self, command: str) -> None:
        self.tmux("new-session", "-d", "-s", "cli", "-x", "120", "-y", "40", command)

    def capture(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "cli")


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    pane = Pane(tmp_path / "tmux.sock")
    yield pane
    subprocess.run(
        [str(TMUX), "-S", str(pane.socket), "kill-server"], capture_output=True, check=False
    )


def test_bars_render_and_the_summary_ends_cleanly(
    pane: Pane, server: ServerProcess, tmp_path: Path
) -> None:
    source = tmp_path / "story.txt"
    source.write_text(SAMPLE)
    command = shlex.join(
        [str(REFINER), "refine", str(source), "--engine", "probe", "--events", "40",
         "--rate", "20", "--passes", "2", "--all-passes", "-o", str(tmp_path / "out"),
         "--url", server.url]
    )  # fmt: skip
    # keep the pane open after the command, showing its exit code
    pane.start(f"env -u COLUMNS -u LINES TERM=xterm-256color {command}; echo EXIT=$?; sleep 60")

    screens: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        screen = pane.capture()
        screens.append(screen)
        if "EXIT=" in screen:
            break
        time.sleep(0.2)
    final = screens[-1]
    assert "EXIT=0" in final, final
    (tmp_path / "final-screen.txt").write_text(final)  # for people to look at

    # while it ran: a bar for pass 1, drawn in place and part-way through
    live = [s for s in screens if "EXIT=" not in s and "story.txt · pass 1" in s]
    assert live, screens[:3]
    assert any("━" in s and "/40" in s for s in live)

    # at the end: both passes complete, then the table and the written file, in that order
    lines = [line.rstrip() for line in final.splitlines() if line.strip()]
    assert any("story.txt · pass 1 probe" in line and "40/40" in line for line in lines)
    assert any("story.txt · pass 2 probe" in line and "40/40" in line for line in lines)
    table_end = next(i for i, line in enumerate(lines) if line.startswith("└"))
    assert lines[table_end + 1].startswith("wrote ")
    assert lines[table_end + 2] == "EXIT=0"
    assert "Readability" in final
    # nothing but the two bars above the table: no stray spinner or duplicated bar
    assert sum("story.txt · pass" in line for line in lines) == 2
    assert (tmp_path / "out" / "story.refined.txt").exists()
