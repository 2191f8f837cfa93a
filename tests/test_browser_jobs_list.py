"""The jobs list: every job, page by page; a status filter; unnamed jobs named by
their first document; downloads of a cancelled job's passes; delete, confirmed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from tests.support.browser import new_page, open_editor, requires_browser
from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog

pytestmark = requires_browser


def start(server: ServerProcess, body: dict[str, Any]) -> str:
    job_id: str = httpx.post(f"{server.url}/refine/run", json=body, timeout=30).json()["job_id"]
    return job_id


def wait_status(server: ServerProcess, job_id: str, *statuses: str) -> None:
    for _ in range(400):
        if httpx.get(f"{server.url}/jobs/{job_id}/status").json()["status"] in statuses:
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never became {statuses}")


def cancelled_after_one_pass(server: ServerProcess) -> str:
    job_id = start(
        server,
        {"text": SAMPLE, "engine": "probe", "passes": 3, "events": 20, "rate": 40,
         "stop_when_unchanged": False, "name": "stopped"},
    )  # fmt: skip
    for _ in range(400):
        files = httpx.get(f"{server.url}/jobs/{job_id}").json()["files"]
        if any(p["pass"] > 0 for p in files[0]["passes"]):
            break
        time.sleep(0.05)
    httpx.post(f"{server.url}/jobs/{job_id}/cancel").raise_for_status()
    wait_status(server, job_id, "cancelled")
    return job_id


def test_pages_filter_names_downloads_and_delete(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server()
    unnamed = start(server, {"files": [{"name": "alpha.md", "text": SAMPLE}], "passes": 1})
    named = [start(server, {"text": SAMPLE, "passes": 1, "name": f"job {i}"}) for i in range(16)]
    for job_id in [unnamed, *named]:
        wait_status(server, job_id, "succeeded")
    stopped = cancelled_after_one_pass(server)

    with new_page(browser) as page:
        open_editor(page, server.url)
        items = page.locator(".job-item")
        assert items.count() == 15
        page.click("#jobs-more")
        page.wait_for_function("() => document.querySelectorAll('.job-item').length === 18")
        assert page.is_hidden("#jobs-more")
        # named by its first document
        page.wait_for_selector(f".job-item[data-job-id='{unnamed}'] .job-name:has-text('alpha.md')")

        page.select_option("#jobs-status", "cancelled")
        page.wait_for_function("() => document.querySelectorAll('.job-item').length === 1")
        row = f".job-item[data-job-id='{stopped}']"
        # a cancelled job with a finished pass can be downloaded
        page.wait_for_selector(f"{row} button.download[data-format=txt]")
        with page.expect_download() as got:
            page.click(f"{row} button.download[data-format=txt]")
        assert got.value.suggested_filename.endswith(".txt")

        # delete asks first; dismissed, nothing happens
        messages: list[str] = []

        def answer(dialog: Dialog, accept: bool) -> None:
            messages.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        page.once("dialog", lambda d: answer(d, False))
        page.click(f"{row} button:has-text('Delete')")
        assert httpx.get(f"{server.url}/jobs/{stopped}").status_code == 200
        page.once("dialog", lambda d: answer(d, True))
        page.click(f"{row} button:has-text('Delete')")
        page.wait_for_selector(row, state="detached")
        assert httpx.get(f"{server.url}/jobs/{stopped}").status_code == 404
        assert len(messages) == 2
        assert "stopped" in messages[0]
