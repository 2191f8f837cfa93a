"""Headless Chromium for the editor page's tests: Debian's browser, driven by Playwright.

A test run never downloads a browser: Playwright launches ``/usr/bin/chromium``
(``.ci/run`` installs it). Tests skip, saying why, when either is missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
TIMEOUT_MS = 20_000


def skip_reason() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e .[dev])"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)"
    return None


requires_browser = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Browser, *, width: int = 1280, height: int = 900) -> Iterator[Page]:
    """A page in a fresh context (its own sessionStorage), that accepts downloads."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
        assert not errors, f"the page raised: {errors}"
    finally:
        context.close()


def open_editor(page: Page, url: str, *, diagnostics: bool = True) -> None:
    """The editor, by default with its diagnostics engine (``probe``) offered: the
    tests use it for slow jobs."""
    page.goto(url + ("/?diagnostics" if diagnostics else "/"))
    page.wait_for_selector("body[data-ready=true]")


def start_text_job(page: Page, text: str, *, passes: int = 3) -> None:
    page.fill("#text", text)
    page.fill("#passes", str(passes))
    page.select_option("#engine", "local")
    page.click("#start")


def start_probe_job(page: Page, *, passes: int, events: int, rate: float) -> None:
    """A slow job: ``passes`` passes of ``events / rate`` seconds each."""
    page.fill("#text", "A probe job changes nothing.")
    page.fill("#passes", str(passes))
    page.select_option("#engine", "probe")
    page.fill("#probe-events", str(events))
    page.fill("#probe-rate", str(rate))
    page.uncheck("#stop-early")
    page.click("#start")


def wait_finished(page: Page, status: str = "succeeded", timeout_ms: int = TIMEOUT_MS) -> None:
    page.wait_for_selector(f"#job-status[data-status={status}]", timeout=timeout_ms)


def logged_seqs(page: Page) -> list[int]:
    """The seq of every event the page logged (all but pass_progress), in order."""
    seqs: list[str] = page.eval_on_selector_all(
        "#event-log li", "items => items.map(i => i.dataset.seq)"
    )
    return [int(s) for s in seqs]


def logged_types(page: Page) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        "#event-log li", "items => items.map(i => i.dataset.type)"
    )
    return found


def save_screenshot(page: Page, path: Path, *, publish_as: str | None = None) -> Path:
    """A screenshot under the test's folder; ``publish_as`` also copies it to
    docs/screenshots/ when that file is missing or REFINER_UPDATE_SCREENSHOTS=1."""
    page.screenshot(path=str(path), full_page=True)
    if publish_as is not None:
        target = SCREENSHOTS / publish_as
        if not target.exists() or os.environ.get("REFINER_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return path
