"""Resource faults: a full disk and an unwritable output folder fail the job they hit, clearly,
and nothing else; the service recovers once the fault is gone."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from tests.support.server import ServerProcess
from tests.support.soak import record
from tests.support.streams import collect_ws, types
from tests.support.texts import SAMPLE, long_text


@contextlib.contextmanager
def small_disk(path: Path, size: str = "6m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (needs root; skips elsewhere)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk is full; delete it to give the space back."""
    filler = folder / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            pass
    return filler


async def run(client: httpx.AsyncClient, server: ServerProcess, body: dict[str, object]) -> str:
    reply = await client.post("/refine/run", json=body)
    assert reply.status_code == 202, reply.text
    job_id: str = reply.json()["job_id"]
    await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    return job_id


async def test_a_full_disk_fails_the_job_it_hits_and_nothing_else(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    with small_disk(tmp_path / "data") as data:
        server = make_server(tmp_path, REFINER_DATA_DIR=str(data))
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            before = await run(client, server, {"text": SAMPLE, "passes": 3})
            kept = (await client.get(f"/jobs/{before}")).json()

            filler = fill(data)
            big = {"text": long_text(300), "passes": 3}
            refused = await client.post("/refine/run", json=big)
            if refused.status_code == 202:  # stored just in time: it must fail cleanly
                job_id = refused.json()["job_id"]
                events = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
                assert types(events)[-2:] == ["error", "stream_end"]
                assert events[-2]["data"]["code"] == "storage_error"
            else:
                assert refused.status_code == 503, refused.text
                assert "cannot store" in refused.json()["detail"]
                assert refused.headers["retry-after"]

            # Reads keep working, and what was stored before is intact.
            assert (await client.get(f"/jobs/{before}")).json() == kept
            assert (await client.get("/jobs")).status_code == 200
            assert (await client.get("/health")).status_code == 200

            filler.unlink()
            after = await run(client, server, {"text": SAMPLE, "passes": 3})
            assert (await client.get(f"/jobs/{after}/status")).json()["status"] == "succeeded"
        server.stop()
        conn = sqlite3.connect(data / "refiner.sqlite3")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    record("full_disk", disk="6 MiB tmpfs", faults=1, lost_events=0, corrupted=0, recovered=True)


async def test_an_unwritable_output_folder_fails_the_job_then_resume_finishes_it(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    # One unwritable at start stops the server (tests/test_startup_faults.py); here it
    # stops being a folder while the server runs.
    output = tmp_path / "output"
    server = make_server(tmp_path, REFINER_OUTPUT_DIR=str(output))
    await anyio.Path(output).rmdir()
    await anyio.Path(output).write_text("a file where the output folder should be")
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 2})).json()[
            "job_id"
        ]
        events = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        assert types(events)[-2:] == ["error", "stream_end"]
        error = events[-2]["data"]
        assert error["code"] == "output_failed"
        assert "could not be written" in error["message"]
        assert error["retryable"] is True
        job = (await client.get(f"/jobs/{job_id}")).json()
        assert [p["pass"] for p in job["files"][0]["passes"]] == [0, 1, 2], "passes are kept"

        output.unlink()
        output.mkdir()
        assert (await client.post(f"/jobs/{job_id}/resume")).status_code == 202
        rest = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?after={events[-1]['seq']}")
        assert types(rest)[-2:] == ["done", "stream_end"]
        assert (output / job_id).is_dir()
    record("unwritable_output", faults=1, lost_events=0, recovered=True)
