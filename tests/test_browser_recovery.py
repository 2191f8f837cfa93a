"""The page recovers from what goes wrong with its connection: a blocked, silent or
dropped WebSocket, a server restart, wrong keys, a paste over the server's limit."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from tests.support.browser import (
    new_page,
    open_editor,
    requires_browser,
    start_probe_job,
    start_text_job,
    wait_finished,
)
from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE
from tests.test_browser_streams import SESSION_SOCKET, assert_each_event_once

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, WebSocketRoute

pytestmark = requires_browser


def jobs_named(server: ServerProcess, name: str) -> list[str]:
    listed = httpx.get(f"{server.url}/jobs", params={"limit": 200}).json()["jobs"]
    return [j["job_id"] for j in listed if j.get("name") == name]


def mode(page: Page) -> str | None:
    return page.get_attribute("#conn", "data-mode")


def start_named_probe_job(page: Page, name: str, *, passes: int, events: int, rate: float) -> None:
    """A probe job whose name (the first words of its text) tells it apart."""
    page.fill("#text", f"{name} is a probe job.")
    page.fill("#passes", str(passes))
    page.select_option("#engine", "probe")
    page.fill("#probe-events", str(events))
    page.fill("#probe-rate", str(rate))
    page.uncheck("#stop-early")
    page.click("#start")


def test_sse_is_left_for_the_websocket_once_it_works_again(
    browser: Browser, server: ServerProcess
) -> None:
    blocked = threading.Event()
    blocked.set()

    def route(ws: WebSocketRoute) -> None:
        if blocked.is_set():
            ws.close(code=1011)  # a proxy that refuses WebSocket
        else:
            ws.connect_to_server()

    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, route)
        open_editor(page, server.url)
        assert mode(page) == "sse"
        assert "retrying" in page.inner_text("#conn-text")
        start_probe_job(page, passes=3, events=30, rate=10)
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=running]")
        blocked.clear()
        # back on the WebSocket mid-job: nothing lost, nothing twice
        page.wait_for_selector("#conn[data-mode=websocket]")
        wait_finished(page)
        assert_each_event_once(page, passes=3)


def test_a_server_restart_is_not_a_websocket_failure(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server()
    with new_page(browser) as page:
        open_editor(page, server.url)
        assert mode(page) == "websocket"
        server.stop()
        page.wait_for_selector("#conn[data-mode=offline]")
        assert "cannot be reached" in page.inner_text("#conn-text")
        assert "retrying" in page.inner_text("#conn-text")
        server.start()
        page.wait_for_selector("#conn[data-mode=websocket]")
        start_text_job(page, SAMPLE, passes=2)
        wait_finished(page)


def test_a_socket_that_answers_nothing_is_left_for_sse(
    browser: Browser, server: ServerProcess
) -> None:
    # a buffering proxy: the socket opens, and nothing passes either way
    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, lambda ws: None)
        open_editor(page, server.url)
        assert mode(page) == "sse"
        assert "answered nothing" in page.inner_text("#conn-text")
        start_text_job(page, SAMPLE, passes=2)
        wait_finished(page)


def test_a_run_the_socket_never_answers_starts_one_job_over_rest(
    browser: Browser, server: ServerProcess
) -> None:
    # The socket works until the run op, which reaches the server (the job
    # starts), but nothing comes back after it.
    name = "Unanswered-run"

    def route(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()
        silent = threading.Event()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str) and '"op":"run"' in message:
                silent.set()
            upstream.send(message)

        def to_page(message: str | bytes) -> None:
            if not silent.is_set():
                ws.send(message)

        ws.on_message(to_server)
        upstream.on_message(to_page)

    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, route)
        open_editor(page, server.url)
        assert mode(page) == "websocket"
        start_named_probe_job(page, name, passes=1, events=5, rate=20)
        wait_finished(page)
        # (the page may be back on a new socket by now: each one works until a run)
        assert len(jobs_named(server, f"{name} is a probe job.")) == 1


def test_a_drop_between_run_and_ack_makes_no_second_job(
    browser: Browser, server: ServerProcess
) -> None:
    name = "Dropped-ack"
    sockets: list[WebSocketRoute] = []

    def route(ws: WebSocketRoute) -> None:
        sockets.append(ws)
        upstream = ws.connect_to_server()
        if len(sockets) > 1:
            return

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str) and '"op": "ack"' in message:
                ws.close(code=1006, reason="dropped by the test")  # the ack is lost
                return
            ws.send(message)

        upstream.on_message(to_page)

    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, route)
        open_editor(page, server.url)
        start_named_probe_job(page, name, passes=2, events=5, rate=20)
        wait_finished(page)
        assert len(sockets) == 2
        assert mode(page) == "websocket"
        assert len(jobs_named(server, f"{name} is a probe job.")) == 1
        assert_each_event_once(page, passes=2)


def test_a_paste_over_the_limit_is_refused_in_words(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server(REFINER_MAX_TEXT_CHARS="1000")
    with new_page(browser) as page:
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url) if "refine/run" in r.url else None)
        open_editor(page, server.url)
        page.fill("#text", "word " * 600)
        page.click("#start")
        page.wait_for_selector("#form-error:has-text('too large')")
        error = page.inner_text("#form-error")
        assert "3,000 characters" in error
        assert "at most 1,000 characters" in error
        assert "MB" in error
        assert "connection" not in error
        assert sent == []
        assert httpx.get(f"{server.url}/jobs").json()["jobs"] == []


def test_a_socket_closed_as_too_big_says_so(browser: Browser, server: ServerProcess) -> None:
    """A 1009 close (a message over the socket's limit) is the size message, and
    the page goes on over the WebSocket."""
    sockets: list[WebSocketRoute] = []

    def route(ws: WebSocketRoute) -> None:
        sockets.append(ws)
        upstream = ws.connect_to_server()
        if len(sockets) > 1:
            return

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str) and json.loads(message).get("op") == "run":
                ws.close(code=1009, reason="message too big")
                return
            upstream.send(message)

        ws.on_message(to_server)

    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, route)
        open_editor(page, server.url)
        start_text_job(page, SAMPLE, passes=1)
        page.wait_for_selector("#form-error:has-text('too large')")
        assert "characters" in page.inner_text("#form-error")
        page.wait_for_selector("#conn[data-mode=websocket]")
        assert len(sockets) == 2


def test_wrong_keys_then_the_right_one_load_everything(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server(BACKEND_API_KEY="sesame")
    with new_page(browser) as page:
        page.goto(server.url + "/")
        page.wait_for_selector("#key-dialog[open]")
        message = page.inner_text("#key-message")
        assert "needs an access key" in message
        assert "header" not in message.lower()
        for attempt in range(6):
            page.fill("#key-input", f"wrong-{attempt}")
            page.press("#key-input", "Enter")
            page.wait_for_selector("#key-message:has-text('not accepted')")
        page.fill("#key-input", "sesame")
        page.press("#key-input", "Enter")
        page.wait_for_selector("body[data-ready=true]")
        assert mode(page) == "websocket"
        assert page.locator("#strategy-list input").count() > 0
        assert page.locator("#output-format option[value=docx]").evaluate("o => !o.hidden")
        assert page.is_hidden("#notice")
        start_text_job(page, SAMPLE, passes=1)
        wait_finished(page)


def test_the_indicator_says_when_the_server_is_down_on_sse(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server()
    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, lambda ws: ws.close(code=1011))
        open_editor(page, server.url)
        assert mode(page) == "sse"
        start_probe_job(page, passes=1, events=400, rate=20)
        page.wait_for_selector(".pass-row[data-pass='1'][data-state=running]")
        server.stop()
        page.wait_for_selector("#conn[data-mode=offline]")
        assert "cannot be reached" in page.inner_text("#conn-text")
        server.start()
        page.wait_for_selector("#conn[data-mode=sse]")
        assert re.search("SSE", page.inner_text("#conn-text"))


def test_a_413_from_rest_is_the_size_message(browser: Browser, server: ServerProcess) -> None:
    with new_page(browser) as page:
        page.route_web_socket(SESSION_SOCKET, lambda ws: ws.close(code=1011))  # REST starts jobs
        page.route(
            "**/refine/run",
            lambda route: route.fulfill(
                status=413,
                content_type="application/json",
                body='{"detail": "request body too large", "code": "payload_too_large"}',
            ),
        )
        open_editor(page, server.url)
        assert mode(page) == "sse"
        start_text_job(page, SAMPLE, passes=1)
        page.wait_for_selector("#form-error:has-text('too large')")
        error = page.inner_text("#form-error")
        assert "characters" in error
        assert "MB" in error
