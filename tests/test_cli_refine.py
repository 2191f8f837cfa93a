"""The real ``refiner`` executable against a real server: results, failures, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess, free_port
from tests.support.texts import SAMPLE

REFINER = Path(sys.executable).parent / "refiner"

pytestmark = pytest.mark.skipif(
    not REFINER.exists(), reason=f"{REFINER} is missing: pip install -e . installs it"
)


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BACKEND_API_KEY", "REFINER_URL")}
    env.update(extra)
    return env


def refiner(
    *args: str, cwd: Path, timeout: float = 30, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REFINER), *args],
        cwd=cwd,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("refiner: error: ")
    return lines[0]


def test_refine_writes_outputs_and_a_metrics_table(server: ServerProcess, tmp_path: Path) -> None:
    source = tmp_path / "notes.md"
    source.write_text(SAMPLE)
    out = tmp_path / "out"
    result = refiner(
        "refine", str(source), "--passes", "3", "--strategy", "normalize,concise",
        "--strategy", "plain", "--engine", "local", "-o", str(out),
        "--url", server.url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    written = out / "notes.refined.md"
    assert written.read_text().strip()
    assert written.read_text() != SAMPLE
    lines = result.stdout.splitlines()
    # no terminal: one plain line per event, no bars
    assert sum(" pass_complete " in line for line in lines) == 3
    assert any(line.endswith(" stream_end") for line in lines)
    assert "\x1b[" not in result.stdout  # no colours, no cursor moves
    assert "\r" not in result.stdout
    assert "normalize" in result.stdout
    assert "plain" in result.stdout
    assert "Readability" in result.stdout
    assert f"wrote {written}" in result.stdout


def test_two_documents_into_a_folder_and_status_diff_jobs(
    server: ServerProcess, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(SAMPLE)
    second.write_text("Due to the fact that it is ready , we can commence.")
    result = refiner("refine", str(first), str(second), "--url", server.url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.refined.txt").exists()
    assert (tmp_path / "b.refined.txt").exists()
    job_id = result.stdout.split()[0]

    jobs = refiner("jobs", "--url", server.url, cwd=tmp_path)
    assert jobs.returncode == 0
    assert job_id in jobs.stdout

    status = refiner("status", job_id, "--url", server.url, cwd=tmp_path)
    assert status.returncode == 0
    assert "succeeded" in status.stdout
    file_id = next(
        line.split("file_id ")[1] for line in status.stdout.splitlines() if "a.txt: file_id" in line
    )
    diff = refiner("diff", file_id, "--from", "0", "--to", "3", "--url", server.url, cwd=tmp_path)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.startswith("pass 0 → 3:")
    # no terminal: git's word-diff marks
    assert "[-" in diff.stdout
    assert "{+" in diff.stdout

    missing = refiner("status", "job_nope", "--url", server.url, cwd=tmp_path)
    assert missing.returncode == 1
    assert "job_nope" in one_line(missing.stderr)


def test_two_documents_of_one_name_keep_both_outputs(server: ServerProcess, tmp_path: Path) -> None:
    for folder, text in (("a", SAMPLE), ("b", "Due to the fact that it is ready, we commence.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "doc.md").write_text(text)
    out = tmp_path / "out"
    # Four passes: the default plan is spelling, normalize, concise, plain.
    result = refiner(
        "refine", "a/doc.md", "b/doc.md", "-o", str(out), "--passes", "4", "--url", server.url,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["doc-2.refined.md", "doc.refined.md"]
    assert "commence" not in (out / "doc.refined.md").read_text()
    assert "ready" in (out / "doc-2.refined.md").read_text()


def test_an_output_that_cannot_be_written_is_one_error_line(
    server: ServerProcess, tmp_path: Path
) -> None:
    source = tmp_path / "notes.md"
    source.write_text(SAMPLE)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.refined.md").mkdir()  # a folder where the file would go
    result = refiner("refine", str(source), "-o", "taken", "--url", server.url, cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot write" in one_line(result.stderr)


def test_names_from_the_server_are_shown_as_written_not_as_markup(
    server: ServerProcess, tmp_path: Path
) -> None:
    body = {"text": SAMPLE, "passes": 1, "name": "[/oops] [bold red]loud"}
    httpx.post(f"{server.url}/refine/run", json=body, timeout=30).raise_for_status()
    jobs = refiner("jobs", "--url", server.url, "--limit", "200", cwd=tmp_path)
    assert jobs.returncode == 0, jobs.stderr
    assert "[/oops] [bold red]loud" in jobs.stdout


def test_a_url_that_is_not_a_refiner_server(tmp_path: Path) -> None:
    no_scheme = refiner("jobs", "--url", "localhost:9", cwd=tmp_path)
    assert no_scheme.returncode == 2
    assert "http://" in one_line(no_scheme.stderr)


def test_a_missing_file_is_a_usage_error(server: ServerProcess, tmp_path: Path) -> None:
    result = refiner("refine", "nowhere.txt", "--url", server.url, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == "refiner: error: nowhere.txt: no such file"
    assert result.stdout == ""


def test_a_file_the_server_refuses(server: ServerProcess, tmp_path: Path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 not text")
    result = refiner("refine", str(bad), "--url", server.url, cwd=tmp_path)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "scan.pdf" in line
    assert "unsupported" in line


def test_a_bad_option_is_refused_with_the_reason(server: ServerProcess, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text(SAMPLE)
    result = refiner("refine", str(source), "--passes", "40", "--url", server.url, cwd=tmp_path)
    assert result.returncode == 1
    assert "passes" in one_line(result.stderr)


def test_server_down(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text(SAMPLE)
    url = f"http://127.0.0.1:{free_port()}"
    result = refiner("refine", str(source), "--url", url, cwd=tmp_path)
    assert result.returncode == 3
    line = one_line(result.stderr)
    assert f"cannot reach the server at {url}" in line
    assert refiner("jobs", "--url", url, cwd=tmp_path).returncode == 3


def test_api_key_from_the_flag_or_the_environment(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = make_server(BACKEND_API_KEY="sesame")
    source = tmp_path / "a.txt"
    source.write_text(SAMPLE)
    refused = refiner("refine", str(source), "--url", server.url, cwd=tmp_path)
    assert refused.returncode == 1
    assert "API key" in one_line(refused.stderr)
    flag = refiner("refine", str(source), "--api-key", "sesame", "--url", server.url, cwd=tmp_path)
    assert flag.returncode == 0, flag.stderr
    env = refiner("jobs", "--url", server.url, cwd=tmp_path, BACKEND_API_KEY="sesame")
    assert env.returncode == 0, env.stderr


def test_ctrl_c_cancels_the_job_on_the_server(server: ServerProcess, tmp_path: Path) -> None:
    source = tmp_path / "slow.txt"
    source.write_text(SAMPLE)
    name = f"slow-{time.monotonic_ns()}.txt"
    source = source.rename(tmp_path / name)
    proc = subprocess.Popen(
        [str(REFINER), "refine", str(source), "--engine", "probe", "--events", "2000",
         "--rate", "20", "--url", server.url],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        job_id = None
        deadline = time.monotonic() + 15
        while job_id is None and time.monotonic() < deadline:
            running = httpx.get(f"{server.url}/jobs", params={"status": "running"}).json()
            job_id = next((j["job_id"] for j in running["jobs"] if j["name"] == name), None)
            time.sleep(0.05)
        assert job_id is not None, "the job never ran"
        time.sleep(0.3)  # let the CLI follow it
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert one_line(stderr) == (
        f"refiner: error: interrupted: job {job_id} cancelled on the server (cancelled)"
    )
    status = httpx.get(f"{server.url}/jobs/{job_id}/status").json()
    assert status["status"] == "cancelled"
    assert " pass_started " in stdout


def test_refiner_serve_runs_the_server(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = make_server(command=[str(REFINER), "serve"])
    assert httpx.get(f"{server.url}/").status_code == 200
    source = tmp_path / "a.txt"
    source.write_text(SAMPLE)
    assert refiner("refine", str(source), "--url", server.url, cwd=tmp_path).returncode == 0
    # a clean exit, or uvicorn re-raising the SIGTERM it handled once shut down
    assert server.stop() in (0, -15)


def test_an_output_path_that_cannot_be_written_is_refused_before_any_job(
    tmp_path: Path,
) -> None:
    """Checked before the server is asked anything: the URL here has no server (exit 3)."""
    source = tmp_path / "notes.md"
    source.write_text(SAMPLE)
    (tmp_path / "a-file").write_text("")
    nowhere = f"http://127.0.0.1:{free_port()}"
    for out in ("a-file/out.md", "a-file/folder"):
        result = refiner("refine", str(source), "-o", out, "--url", nowhere, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert one_line(result.stderr) == (
            f"refiner: error: {out}: cannot be written: {tmp_path / 'a-file'} is not a folder"
        )
