"""A ``.docx`` through the page: upload, refine with a style template, download the ``.docx``."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import docx
import httpx
import pytest

from tests.support.browser import (
    new_page,
    open_editor,
    requires_browser,
    save_screenshot,
    wait_finished,
)
from tests.support.docx_samples import sample_docx
from tests.support.server import ServerProcess

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = requires_browser


def require_docx_upload(server: ServerProcess) -> None:
    files = {"file": ("probe.docx", sample_docx(), "application/octet-stream")}
    answer = httpx.post(f"{server.url}/files", files=files)
    if answer.status_code in (415, 422):
        pytest.skip("docx upload is not available on this server")
    answer.raise_for_status()


def test_upload_a_docx_and_download_the_refined_docx(
    browser: Browser, server: ServerProcess, tmp_path: Path
) -> None:
    require_docx_upload(server)
    source = tmp_path / "report.docx"
    source.write_bytes(sample_docx())
    with new_page(browser) as page:
        open_editor(page, server.url)
        page.set_input_files("#file", str(source))
        page.wait_for_selector("#file-info[data-file-id]")
        assert "report.docx" in page.inner_text("#file-info")
        # a .docx goes out as a .docx: the template selector shows, when the server has one
        templates = httpx.get(f"{server.url}/style/templates")
        if templates.status_code == 200:
            assert page.is_visible("#template")
        page.fill("#passes", "2")
        page.click("#start")
        wait_finished(page, timeout_ms=40_000)
        assert page.locator(".pass-row[data-state=complete]").count() >= 1

        with page.expect_download() as info:
            page.click("#downloads button[data-format=docx]")
        target = tmp_path / "downloaded.docx"
        info.value.save_as(target)
        assert info.value.suggested_filename.endswith(".docx")
        with zipfile.ZipFile(target) as package:
            assert "word/document.xml" in package.namelist()
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(target.read_bytes())).paragraphs)
        assert text.strip()
        save_screenshot(page, tmp_path / "docx.png")


def test_a_refused_upload_shows_the_servers_reason(
    browser: Browser, server: ServerProcess, tmp_path: Path
) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 not a document the service reads")
    with new_page(browser) as page:
        open_editor(page, server.url)
        page.set_input_files("#file", str(bad))
        page.wait_for_selector("#file-info.error")
        message = page.inner_text("#file-info")
        assert message.startswith("scan.pdf was refused: ")
        assert "unsupported" in message
