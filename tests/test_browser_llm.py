"""The editor page while an LLM pass is written: every chunk's text grows in its own place,
and an answer that breaks off is taken back before its retry is shown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import new_page, open_editor, requires_browser, wait_finished
from tests.support.fake_openai import FakeOpenAI, Misbehave, Rule
from tests.support.server import ServerProcess
from tests.support.texts import mark, paragraphs

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = requires_browser

MODEL = "fake-model"
WINDOW = 1000  # every paragraph below is a chunk of its own


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    # Each answer takes 3 s, streamed in pieces: the page sees the chunks half written.
    with FakeOpenAI(models={MODEL}, transform=mark, latency=3.0) as server:
        yield server


@pytest.fixture(scope="module")
def llm_server(
    fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with fake.service(tmp_path_factory.mktemp("llm-page"), MODEL, {MODEL: WINDOW}) as proc:
        yield proc


def in_order_prefixes(shown: str, finals: list[str]) -> bool:
    """Whether ``shown`` is the start of some chunks' final texts, in document order."""
    remaining = iter(finals)
    return all(any(final.startswith(part) for final in remaining) for part in shown.split("\n\n"))


def test_streamed_chunks_are_shown_each_in_its_place(
    browser: Browser, fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    # The second chunk's first answer breaks off halfway: what it showed is withdrawn.
    fake.script(Rule("Paragraph 1:", Misbehave("partial"), times=1))
    text = paragraphs(3)
    finals = mark(text).split("\n\n")
    with new_page(browser) as page:
        open_editor(page, llm_server.url)
        page.fill("#text", text)
        page.fill("#passes", "1")
        page.select_option("#engine", "openai")
        page.click("#start")
        page.wait_for_selector("#pass-text[data-state=running]")
        shown_while_running: list[str] = []
        for _ in range(200):  # polling the page: it has no event to wait for per delta
            shown, state = page.eval_on_selector(
                "#pass-text", "e => [e.textContent, e.dataset.state]"
            )
            if state != "running":
                break
            if shown not in (text, "Refining…"):
                shown_while_running.append(shown)
            page.wait_for_timeout(50)
        wait_finished(page)

    assert shown_while_running, "the pass's text was shown while it was written"
    partial = [s for s in shown_while_running if s != mark(text)]
    assert partial, "some of it was shown half written"
    for shown in shown_while_running:
        assert in_order_prefixes(shown, finals), shown
