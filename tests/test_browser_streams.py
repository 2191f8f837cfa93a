"""The page's live connection: SSE when the WebSocket is blocked, resuming after a
dropped socket or a reload without showing any event twice, cancelling from the list."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.support.browser import (
    logged_seqs,
    logged_types,
    new_page,
    open_editor,
    requires_browser,
    save_screenshot,
    start_probe_job,
    start_text_job,
    wait_finished,
)
from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, WebSocketRoute

pytestmark = requires_browser

SESSION_SOCKET = re.compile(r"/ws(\?|$)")


def assert_each_event_once(page: Page, passes: int) -> None:
    seqs = logged_seqs(page)
    assert seqs == sorted(set(seqs)), f"an event was shown twice or out of order: {seqs}"
    types = logged_types(page)
    assert types.count("pass_complete") == passes
    assert types.count("job_started") == 1
    assert types[-1] == "stream_end"
    assert page.locator(".pass-row").count() == passes
    assert page.locator(".pass-row[data-state=complete]").count() == passes


def test_sse_takes_over_when_the_websocket_is_blocked(
    browser: Browser, server: ServerProcess, tmp_path: Path
) -> None:
    with new_page(browser) as page:
        # the socket is refused before it opens, as a proxy without WebSocket support does
        page.route_web_socket(SESSION_SOCKET, lambda ws: ws.close(code=1011))
        open_editor(page, server.url)
        assert page.get_attribute("#conn", "data-mode") == "sse"
        assert "SSE" in page.inner_text("#conn-text")

        start_probe_job(page, passes=3, events=10, rate=20)
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=running]")
        wait_finished(page)
        assert_each_event_once(page, passes=3)
        save_screenshot(page, tmp_path / "sse.png")

        start_text_job(page, SAMPLE, passes=3)
        wait_finished(page)
        page.wait_for_selector("#diff ins")
        assert_each_event_once(page, passes=3)


def test_a_dropped_websocket_resumes_after_the_last_seq(
    browser: Browser, server: ServerProcess
) -> None:
    sockets: list[WebSocketRoute] = []

    def route(ws: WebSocketRoute) -> None:
        sockets.append(ws)
        upstream = ws.connect_to_server()
        if len(sockets) > 1:
            return  # later sockets pass through untouched

        def forward(message: str | bytes) -> None:
            ws.send(message)
            if isinstance(message, str) and '"pass_complete"' in message:
                ws.close(code=4000, reason="dropped by the test")  # mid-job, after pass 1

        upstream.on_message(forward)

    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, route)
        open_editor(page, server.url)
        start_probe_job(page, passes=3, events=10, rate=10)
        wait_finished(page)
        assert len(sockets) == 2, "the page did not reconnect"
        assert page.get_attribute("#conn", "data-mode") == "websocket"
        assert_each_event_once(page, passes=3)


def test_a_reload_mid_job_resumes_without_duplicate_rows(
    browser: Browser, server: ServerProcess, tmp_path: Path
) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        start_probe_job(page, passes=3, events=10, rate=10)
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=complete]")
        job_id = page.get_attribute(".job-item.current", "data-job-id")
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        status = httpx.get(f"{server.url}/jobs/{job_id}/status").json()["status"]
        assert status == "running", "the job ended before the reload: make it slower"
        wait_finished(page)
        assert page.get_attribute(".job-item.current", "data-job-id") == job_id
        assert_each_event_once(page, passes=3)
        save_screenshot(page, tmp_path / "after-reload.png")


def test_reopen_and_cancel_from_the_jobs_list(browser: Browser, server: ServerProcess) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        start_text_job(page, SAMPLE, passes=2)
        wait_finished(page)
        finished = page.get_attribute(".job-item.current", "data-job-id")

        start_probe_job(page, passes=2, events=400, rate=20)
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=running]")
        page.wait_for_selector(".job-item.current[data-status=running]")
        running = page.get_attribute(".job-item.current", "data-job-id")
        page.click(f".job-item[data-job-id='{running}'] button:has-text('Cancel')")
        wait_finished(page, "cancelled")
        assert httpx.get(f"{server.url}/jobs/{running}/status").json()["status"] == "cancelled"

        # reopening replays the finished job's events: the same rows, once each
        page.click(f".job-item[data-job-id='{finished}'] button:has-text('Open')")
        wait_finished(page)
        assert_each_event_once(page, passes=2)
        page.wait_for_selector("#diff ins")
