"""The form and the open job: a link to the job, its title, what was typed, the
keyboard, a narrow screen, announcements, two documents, diagnostics, the edits."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.support.browser import (
    new_page,
    open_editor,
    requires_browser,
    start_text_job,
    wait_finished,
)
from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = requires_browser


def open_job_id(page: Page) -> str:
    job_id = page.get_attribute(".job-item.current", "data-job-id")
    assert job_id
    return job_id


def test_the_open_job_is_in_the_url_and_keeps_its_title(
    browser: Browser, server: ServerProcess
) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        start_text_job(page, SAMPLE, passes=1)
        wait_finished(page)
        job_id = open_job_id(page)
        # a text of a few dozen words: no readability score, which would mean nothing
        row = page.inner_text(".pass-row[data-pass='1']")
        assert "words" in row
        assert "readability" not in row
        assert "grade" not in row
        assert page.evaluate("location.hash") == f"#job={job_id}"
        title = page.inner_text("#job-h")
        assert "We need to utilize" in title
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        wait_finished(page)
        page.wait_for_selector("#job-h:has-text('We need to utilize')")
        assert page.input_value("#text") == SAMPLE  # what was typed is kept
        link = page.evaluate("location.href")

    with new_page(browser) as other:  # a link shared to another browser session
        other.goto(link)
        other.wait_for_selector("body[data-ready=true]")
        wait_finished(other)
        other.wait_for_selector("#job-h:has-text('We need to utilize')")
        assert open_job_id(other) == job_id


def test_keyboard_start_errors_that_clear_and_announcements(
    browser: Browser, server: ServerProcess
) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        page.fill("#text", "")
        page.click("#start")
        page.wait_for_selector("#form-error:has-text('Paste some text')")
        page.focus("#text")
        page.keyboard.type("Due to the fact that it is ready , we commence.")
        assert page.inner_text("#form-error") == ""
        page.fill("#passes", "1")
        page.select_option("#engine", "local")
        page.focus("#text")
        page.keyboard.press("Control+Enter")
        wait_finished(page)
        page.wait_for_selector("#announce:has-text('succeeded')")
        assert page.get_attribute("#announce", "aria-live") == "polite"


def test_a_narrow_screen_moves_to_the_job_once_it_starts(
    browser: Browser, server: ServerProcess
) -> None:
    with new_page(browser, width=390, height=844) as page:
        open_editor(page, server.url)
        start_text_job(page, SAMPLE, passes=1)
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.id === 'job-h'"
        )
        top = page.evaluate("document.querySelector('#job').getBoundingClientRect().top")
        assert -2 < top < 844  # scrolled to it (give or take a rounding)


def test_probe_is_offered_only_for_diagnostics(browser: Browser, server: ServerProcess) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url, diagnostics=False)
        engines = page.eval_on_selector_all("#engine option", "os => os.map(o => o.value)")
        assert "local" in engines
        assert "probe" not in engines
        open_editor(page, server.url, diagnostics=True)
        assert "probe" in page.eval_on_selector_all("#engine option", "os => os.map(o => o.value)")


def test_pasted_text_and_an_upload_are_two_documents_of_two_names(
    browser: Browser, server: ServerProcess, tmp_path: Path
) -> None:
    upload = tmp_path / "notes.txt"
    upload.write_text("Due to the fact that it is ready , we commence.")
    with new_page(browser) as page:
        open_editor(page, server.url)
        page.set_input_files("#file", str(upload))
        page.wait_for_selector("#file-info[data-file-id]")
        start_text_job(page, SAMPLE, passes=1)
        wait_finished(page)
        job = httpx.get(f"{server.url}/jobs/{open_job_id(page)}").json()
        assert sorted(f["name"] for f in job["files"]) == ["Pasted text.txt", "notes.txt"]


def test_focus_stays_in_the_jobs_list_when_it_refreshes(
    browser: Browser, server: ServerProcess
) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        start_text_job(page, SAMPLE, passes=1)
        wait_finished(page)
        job_id = open_job_id(page)
        button = f".job-item[data-job-id='{job_id}'] button:has-text('Open')"
        page.focus(button)
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        with page.expect_response(lambda r: "/jobs?limit=" in r.url):
            page.evaluate("document.querySelector('#jobs-refresh').click()")
        page.wait_for_function(
            "label => document.activeElement"
            " && document.activeElement.getAttribute('aria-label') === label",
            arg=label,
        )


def test_an_edit_of_spaces_shows_the_spaces(browser: Browser, server: ServerProcess) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        page.fill("#text", "We  need it.")
        page.fill("#passes", "1")
        page.select_option("#engine", "local")
        page.check("#strategy-list input[value=normalize]")
        page.click("#start")
        wait_finished(page)
        page.wait_for_selector("#pass-text[data-pass='1'][data-state=complete]")
        page.click("#edits-box summary")
        assert "␣␣" in page.inner_text("#edits")


def test_a_clicked_edit_is_marked_in_the_text(browser: Browser, server: ServerProcess) -> None:
    with new_page(browser) as page:
        open_editor(page, server.url)
        page.fill("#text", "Café ☕ 🎉: we need to utilize the tools.")
        page.fill("#passes", "1")
        page.select_option("#engine", "local")
        page.check("#strategy-list input[value=plain]")
        page.click("#start")
        wait_finished(page)
        page.wait_for_selector("#pass-text[data-pass='1'][data-state=complete]")
        page.click("#edits-box summary")
        edit = page.locator(".edit-pick").first
        after = edit.locator("ins").inner_text()
        edit.click()
        # the mark is where the edit's new words are (after an emoji: code points, not UTF-16)
        assert page.inner_text("#pass-text mark") == after
        assert page.inner_text("#pass-text").startswith("Café ☕ 🎉: we need to ")
