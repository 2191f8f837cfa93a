"""Every state of a job looks like itself on the page: cancelling, cancelled and
interrupted passes show no activity, an interrupted job resumes, and the jobs list
shows the answer to its latest refresh."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.support.browser import (
    logged_seqs,
    logged_types,
    new_page,
    open_editor,
    requires_browser,
    start_probe_job,
    start_text_job,
    wait_finished,
)
from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE
from tests.test_browser_streams import SESSION_SOCKET

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route, WebSocketRoute

pytestmark = requires_browser


def assert_no_activity(page: Page) -> None:
    """Nothing on the page says the job is still working."""
    assert page.locator(".pass-row[data-state=running]").count() == 0
    assert page.locator(".pass-row progress:not([value])").count() == 0  # no animated bar
    assert "running…" not in page.inner_text("#passes-list")
    assert "Refining…" not in page.inner_text("#pass-text")
    assert page.is_hidden("#cancel-job")


def test_cancel_says_cancelling_then_the_pass_looks_cancelled(
    browser: Browser, server: ServerProcess
) -> None:
    held: list[tuple[WebSocketRoute, str]] = []

    def route(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str) and '"op":"cancel"' in message:
                held.append((upstream, message))  # the test lets it go on
                return
            upstream.send(message)

        ws.on_message(to_server)

    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, route)
        open_editor(page, server.url)
        start_probe_job(page, passes=2, events=400, rate=20)
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=running]")
        page.wait_for_function(
            "() => document.querySelector('.pass-row[data-pass=\"1\"] .metrics')"
            ".textContent.includes('/')"
        )
        page.click("#cancel-job")
        while not held:
            page.wait_for_timeout(20)
        # before the server has even heard of it
        assert page.inner_text("#cancel-job") == "Cancelling…"
        assert page.is_disabled("#cancel-job")
        assert page.get_attribute("#job-status", "data-status") == "cancelling"
        upstream, message = held[0]
        upstream.send(message)
        wait_finished(page, "cancelled")
        row = page.locator(".pass-row[data-pass='1']")
        assert row.get_attribute("data-state") == "cancelled"
        assert "cancelled" in row.inner_text()
        assert "/400" not in row.inner_text()
        assert page.get_attribute("#pass-text", "data-state") == "cancelled"
        assert_no_activity(page)
        assert page.is_hidden("#resume-job")

        # reopened after a reload: the same look, no "running…"
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        wait_finished(page, "cancelled")
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=cancelled]")
        assert_no_activity(page)


def test_a_restart_interrupts_the_job_and_resume_follows_it_to_the_end(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server()
    with new_page(browser) as page:
        open_editor(page, server.url)
        start_probe_job(page, passes=2, events=60, rate=20)
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=running]")
        server.stop()
        wait_finished(page, "interrupted")
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=interrupted]")
        assert_no_activity(page)
        server.start()
        page.wait_for_selector("#conn[data-mode=websocket]")
        page.click("#resume-job")
        wait_finished(page, "succeeded", timeout_ms=30_000)
        assert page.locator(".pass-row[data-state=complete]").count() == 2
        assert page.is_hidden("#resume-job")
        seqs = logged_seqs(page)
        assert seqs == sorted(set(seqs)), seqs
        types = logged_types(page)
        assert types.count("job_queued") == 2  # the first run and the resumed one
        assert types[-2:] == ["done", "stream_end"]


def test_the_latest_refresh_of_the_jobs_list_wins(browser: Browser, server: ServerProcess) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        start_text_job(page, SAMPLE, passes=1)
        wait_finished(page)
        job_id = page.get_attribute(".job-item.current", "data-job-id")
        page.wait_for_selector(f".job-item[data-job-id='{job_id}'][data-status=succeeded]")

        held: list[Route] = []
        page.route("**/jobs?limit=*", lambda route: held.append(route))
        page.click("#jobs-refresh")  # older: its answer will say the job still runs
        page.click("#jobs-refresh")  # newer
        while len(held) < 2:
            page.wait_for_timeout(50)
        older, newer = held[:2]
        fresh = newer.fetch()
        stale = json.loads(fresh.text())
        for job in stale["jobs"]:
            job["status"] = "running"
        newer.fulfill(response=fresh)
        page.wait_for_selector(f".job-item[data-job-id='{job_id}'][data-status=succeeded]")
        older.fulfill(status=200, content_type="application/json", body=json.dumps(stale))
        page.wait_for_timeout(300)
        assert page.get_attribute(f".job-item[data-job-id='{job_id}']", "data-status") == (
            "succeeded"
        )
