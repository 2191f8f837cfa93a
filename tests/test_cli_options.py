"""The real ``refiner`` executable: where options go, ``--version``, and what it says
when the URL or the key is wrong."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE
from tests.test_cli_refine import REFINER, one_line, refiner

pytestmark = pytest.mark.skipif(
    not REFINER.exists(), reason=f"{REFINER} is missing: pip install -e . installs it"
)


class _NotRefiner(http.server.BaseHTTPRequestHandler):
    """Some other web server: an HTML page for every path, 200 at / and 404 elsewhere."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))  # as servers do
        status = 200 if self.path == "/" else 404
        body = b"<html><body>Welcome to some other server</body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotRefiner)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_and_key_before_or_after_the_subcommand(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = make_server(BACKEND_API_KEY="sesame")
    source = tmp_path / "a.txt"
    source.write_text(SAMPLE)
    before = refiner(
        "--url", server.url, "--api-key", "sesame", "refine", str(source), "--passes", "1",
        cwd=tmp_path,
    )  # fmt: skip
    assert before.returncode == 0, before.stderr
    assert (tmp_path / "a.refined.txt").exists()
    assert refiner("--api-key", "sesame", "jobs", "--url", server.url, cwd=tmp_path).returncode == 0
    after = refiner("jobs", "--url", server.url, "--api-key", "sesame", cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    # given on both sides, the one after the subcommand wins
    both = refiner(
        "--url", "http://127.0.0.1:9", "--api-key", "wrong", "jobs",
        "--url", server.url, "--api-key", "sesame", cwd=tmp_path,
    )  # fmt: skip
    assert both.returncode == 0, both.stderr


def test_version(tmp_path: Path) -> None:
    result = refiner("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("refiner ")
    assert result.stdout.split()[1][0].isdigit()


def test_a_url_that_answers_but_is_not_refiner(other_server: str, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text(SAMPLE)
    for args in (("jobs",), ("status", "job_x"), ("refine", str(source))):
        result = refiner(*args, "--url", other_server, cwd=tmp_path)
        assert result.returncode == 3, (args, result.stderr)
        line = one_line(result.stderr)
        assert f"no Refiner API at {other_server}" in line, line
        assert "notes.txt" not in line


def test_a_missing_key_and_a_wrong_key_are_told_apart(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = make_server(BACKEND_API_KEY="sesame")
    source = tmp_path / "notes.txt"
    source.write_text(SAMPLE)
    for command in (("refine", str(source)), ("jobs",)):
        missing = one_line(refiner(*command, "--url", server.url, cwd=tmp_path).stderr)
        wrong_run = refiner(*command, "--url", server.url, "--api-key", "nope", cwd=tmp_path)
        assert wrong_run.returncode == 1
        wrong = one_line(wrong_run.stderr)
        assert missing != wrong
        assert missing.startswith(f"refiner: error: the server at {server.url} needs an API key")
        assert "--api-key" in missing
        assert wrong.startswith(f"refiner: error: the server at {server.url} refused the API key")
        for line in (missing, wrong):
            assert "notes.txt" not in line


def test_diff_takes_a_job_and_a_document_name(server: ServerProcess, tmp_path: Path) -> None:
    body = {
        "files": [
            {"name": "a.txt", "text": SAMPLE},
            {"name": "b.txt", "text": "Due to the fact that it is ready , we can commence."},
        ],
        "passes": 2,
        "engine": "local",
    }
    job_id = httpx.post(f"{server.url}/refine/run", json=body, timeout=30).json()["job_id"]
    for _ in range(200):
        if httpx.get(f"{server.url}/jobs/{job_id}/status").json()["status"] == "succeeded":
            break
        threading.Event().wait(0.05)
    by_name = refiner("diff", job_id, "b.txt", "--to", "2", "--url", server.url, cwd=tmp_path)
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout.startswith("pass 0 → 2:")
    assert "commence" in by_name.stdout
    assert "utilize" not in by_name.stdout  # a.txt's text

    unnamed = refiner("diff", job_id, "--url", server.url, cwd=tmp_path)
    assert unnamed.returncode == 2
    line = one_line(unnamed.stderr)
    assert "a.txt" in line
    assert "b.txt" in line

    nope = refiner("diff", job_id, "c.txt", "--url", server.url, cwd=tmp_path)
    assert nope.returncode == 2
    assert "no document named 'c.txt'" in one_line(nope.stderr)
