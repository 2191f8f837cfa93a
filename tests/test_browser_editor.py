"""The editor page in headless Chromium: a three-pass job, its diff, rating, the API key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.support.browser import (
    logged_types,
    new_page,
    open_editor,
    requires_browser,
    save_screenshot,
    start_text_job,
    wait_finished,
)
from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE, long_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = requires_browser


def test_page_and_scripts_are_served_without_a_key(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(BACKEND_API_KEY="sesame")
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "Content-Security-Policy" in page.headers
    script = httpx.get(f"{server.url}/static/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert httpx.get(f"{server.url}/static/missing.js").status_code == 404
    assert httpx.get(f"{server.url}/jobs").status_code == 401
    for name in ("index.html", "app.js", "styles.css"):
        # no CDN, no external URL: everything comes from this origin
        text = httpx.get(f"{server.url}/static/{name}").text
        assert "http://" not in text, name
        assert "https://" not in text, name


def test_three_passes_stream_into_rows_and_a_diff(
    browser: Browser, server: ServerProcess, tmp_path: Path
) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        assert page.get_attribute("#conn", "data-mode") == "websocket"
        start_text_job(page, long_text(8), passes=3)  # long enough for readability
        wait_finished(page)

        rows = page.locator(".pass-row[data-state=complete]")
        assert rows.count() == 3
        assert [rows.nth(i).get_attribute("data-pass") for i in range(3)] == ["1", "2", "3"]
        assert "words" in rows.first.inner_text()
        assert "readability" in rows.first.inner_text()
        assert "changed" in rows.first.inner_text()
        assert logged_types(page).count("pass_complete") == 3

        # the newest pass is on screen, and the diff compares it with the original
        page.wait_for_selector("#pass-text[data-pass='3'][data-state=complete]")
        page.wait_for_selector("#diff[data-from='0'][data-to='3']")
        assert page.locator("#diff ins").count() > 0
        assert page.locator("#diff del").count() > 0
        assert "words" in page.inner_text("#diff-stats")

        # any two passes: 1 → 2
        page.select_option("#diff-from", "1")
        page.select_option("#diff-to", "2")
        page.wait_for_selector("#diff[data-from='1'][data-to='2']")
        assert page.inner_text("#diff-stats").startswith("Pass 1 → 2")

        # a pass on screen: click its row
        page.click(".pass-row[data-pass='1'] .pass-pick")
        page.wait_for_selector("#pass-text[data-pass='1'][data-state=complete]")

        shot = save_screenshot(page, tmp_path / "editor.png", publish_as="editor.png")
        assert shot.stat().st_size > 10_000


def test_rating_a_pass_changes_its_strategy_score(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server()

    def score(strategy: str) -> float:
        catalogue = httpx.get(f"{server.url}/strategies").json()
        entry = next(s for s in catalogue["strategies"] if s["name"] == strategy)
        value: float = entry["scores"]["local"]
        return value

    with new_page(browser) as page:
        open_editor(page, server.url)
        start_text_job(page, SAMPLE, passes=2)
        wait_finished(page)
        page.click(".pass-row[data-pass='2'] .pass-pick")
        page.wait_for_selector("#pass-text[data-pass='2'][data-state=complete]")
        strategy = page.inner_text(".pass-row[data-pass='2'] .strategy")
        before = score(strategy)
        page.click("#rate-up")
        page.wait_for_selector("#rate-result[data-rating=up]")
        after = score(strategy)
        assert after > before
        assert float(page.get_attribute("#rate-result", "data-score") or 0) == pytest.approx(after)
        assert page.get_attribute("#rate-up", "aria-pressed") == "true"
        assert page.get_attribute("#rate-down", "aria-pressed") == "false"
        page.click("#rate-up")  # the same vote again is not a second vote
        page.wait_for_timeout(300)
        assert score(strategy) == pytest.approx(after)

        page.click("#rate-down")
        page.wait_for_selector("#rate-result[data-rating=down]")
        assert score(strategy) < after
        assert page.get_attribute("#rate-down", "aria-pressed") == "true"
        assert page.get_attribute("#rate-up", "aria-pressed") == "false"
        summary = httpx.get(f"{server.url}/strategy/feedback/summary").json()["strategies"]
        (row,) = [r for r in summary if (r["strategy"], r["engine"]) == (strategy, "local")]
        assert (row["count"], row["ups"], row["downs"]) == (1, 0, 1), "the vote was changed"


def test_the_page_asks_for_the_key_once_per_session(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server(BACKEND_API_KEY="sesame")
    with new_page(browser) as page:
        page.goto(server.url + "/")
        page.wait_for_selector("#key-dialog[open]")
        page.fill("#key-input", "wrong")
        page.press("#key-input", "Enter")
        page.wait_for_selector("#key-message:has-text('not accepted')")
        page.fill("#key-input", "sesame")
        page.press("#key-input", "Enter")
        page.wait_for_selector("body[data-ready=true]")
        assert page.get_attribute("#conn", "data-mode") == "websocket"
        start_text_job(page, SAMPLE, passes=2)
        wait_finished(page)
        assert page.locator(".pass-row[data-state=complete]").count() == 2

        # a reload keeps the key: no dialog, the job is back on screen
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        assert not page.is_visible("#key-dialog")
        wait_finished(page)


def test_keyboard_only_and_phone_width(browser: Browser, server: ServerProcess) -> None:
    with new_page(browser, width=390, height=844) as page:
        open_editor(page, server.url)
        # nothing is wider than the screen
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390
        page.focus("#text")
        page.keyboard.type(SAMPLE)
        focused: list[str] = []
        for _ in range(40):
            page.keyboard.press("Tab")
            focused.append(page.evaluate("document.activeElement.id"))
            if focused[-1] == "start":
                break
        assert "passes" in focused
        assert "engine" in focused
        assert focused[-1] == "start"
        # focus is visible: the focused control draws an outline
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        page.keyboard.press("Enter")
        wait_finished(page)
        assert page.locator(".pass-row[data-state=complete]").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # every form control has a label
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input, select, textarea')]
               .filter(el => el.type !== 'hidden' && !el.labels.length
                              && !el.getAttribute('aria-label'))
               .map(el => el.id)"""
        )
        assert unlabelled == []
