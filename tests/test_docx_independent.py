"""Every kind of ``.docx`` the library writes, opened by readers that share no code with it.

LibreOffice (headless) converts each file to OpenDocument, which proves it
opens and shows where its text and revisions went; pandoc reads both the
``.docx`` and LibreOffice's ``.odt`` for text and structure, and applies
or rejects tracked changes on its own. All files go through one
LibreOffice run with a fresh profile, so runs never collide.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from service.documents.docx import (
    apply_texts,
    read_docx,
    tracked_changes_docx,
    write_with_template,
)
from tests.support.docx_samples import LINK_URL, refine_texts, sample_docx

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
AUTHOR = "plain · local"
WHEN = datetime(2025, 6, 7, 8, 9, 10, tzinfo=UTC)
CONVERT_TIMEOUT = 50


@dataclass(frozen=True, slots=True)
class Written:
    folder: Path
    before: list[str]
    after: list[str]
    docx: dict[str, Path]
    odt: dict[str, Path]


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip(
            "LibreOffice is not installed (apt-get install libreoffice-writer-nogui); "
            ".ci/run installs it"
        )
    return found


def pandoc(*args: str) -> str:
    found = shutil.which("pandoc")
    if found is None:
        pytest.skip("pandoc is not installed (apt-get install pandoc); .ci/run installs it")
    done = subprocess.run(
        [found, *args], capture_output=True, text=True, timeout=CONVERT_TIMEOUT, check=True
    )
    return done.stdout


def library_outputs(folder: Path) -> tuple[list[str], list[str], dict[str, Path]]:
    data = sample_docx()
    text = read_docx(data)
    before = text.texts
    after = refine_texts(before)
    files: dict[str, bytes] = {
        "applied": apply_texts(data, after),
        "tracked": tracked_changes_docx(data, before, after, author=AUTHOR, date=WHEN),
        "tracked_plain": tracked_changes_docx(text.styled, before, after, author=AUTHOR, date=WHEN),
    }
    styled = [(style, new) for (style, _), new in zip(text.styled, after, strict=True)]
    for template in sorted(TEMPLATES.glob("*.docx")):
        files[f"template_{template.stem}"] = template.read_bytes()
        files[f"into_{template.stem}"] = write_with_template(template.read_bytes(), styled)[0]
    paths = {}
    for name, body in files.items():
        paths[name] = folder / f"{name}.docx"
        paths[name].write_bytes(body)
    return before, after, paths


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    program = soffice()
    folder = tmp_path_factory.mktemp("docx-independent")
    before, after, paths = library_outputs(folder)
    profile = folder / "lo-profile"
    out = folder / "odt"
    subprocess.run(
        [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "odt",
            "--outdir",
            str(out),
            *(str(path) for path in paths.values()),
        ],
        capture_output=True,
        timeout=CONVERT_TIMEOUT,
        check=True,
        env={"HOME": str(folder), "PATH": "/usr/bin:/bin"},
    )
    odt = {name: out / f"{name}.odt" for name in paths}
    return Written(folder, before, after, paths, odt)


def odt_part(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(part).decode()


def flat(text: str) -> str:
    """Whitespace collapsed, and pandoc's ``[]`` for an image without a caption dropped."""
    return " ".join(word for word in text.split() if word != "[]")


def blocks(document: dict[str, Any]) -> Counter[str]:
    return Counter(block["t"] for block in document["blocks"])


def walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_libreoffice_opens_every_file(written: Written) -> None:
    for name, path in written.odt.items():
        assert path.is_file(), f"LibreOffice could not convert {name}.docx"
        assert "<office:text" in odt_part(path, "content.xml"), name


# A known defect: the engines see no character for an inline picture, so
# "Figure one: [picture] we" reads as a double space, and normalize closes it up,
# gluing the picture to the next word in the .docx. Strict: it fails loudly once fixed.
_PICTURE_GAP = pytest.mark.xfail(
    strict=True,
    reason="the spaces around an inline picture are taken for a double space and closed up",
)


@_PICTURE_GAP
def test_the_refined_document_reads_the_same_elsewhere(written: Written) -> None:
    expected = [flat(text) for text in written.after if text]
    body = expected[:-2]  # the last two are the header and the footer
    from_docx = flat(
        pandoc("-f", "docx", "-t", "plain", "--wrap=none", str(written.docx["applied"]))
    )
    from_odt = flat(pandoc("-f", "odt", "-t", "plain", "--wrap=none", str(written.odt["applied"])))
    for text in body:
        if text != expected[0]:  # pandoc's docx reader makes the Title metadata
            assert text in from_docx
        assert text.replace("page 1 ", "page ") in from_odt  # no PAGE field result in odt
    assert "utilize" not in from_docx.lower()
    assert "in order to" not in from_odt
    stories = odt_part(written.odt["applied"], "styles.xml")
    assert "please use with care" in stories
    assert "utilize" not in stories


def test_the_structure_reads_the_same_elsewhere(written: Written) -> None:
    for reader, path in (("docx", written.docx["applied"]), ("odt", written.odt["applied"])):
        document = json.loads(pandoc("-f", reader, "-t", "json", str(path)))
        counted = blocks(document)
        assert counted["BulletList"] == 1, reader
        assert counted["OrderedList"] == 1, reader
        assert counted["Table"] == 1, reader
        levels = [b["c"][0] for b in document["blocks"] if b["t"] == "Header"]
        assert 1 in levels, reader
        assert 2 in levels, reader
        nodes = list(walk(document))
        links = [n["c"][2][0] for n in nodes if n.get("t") == "Link"]
        assert links == [LINK_URL], reader
        assert sum(1 for n in nodes if n.get("t") == "Image") == 1, reader
        lists = [b for b in document["blocks"] if b["t"] in ("BulletList", "OrderedList")]
        assert all(len(b["c"] if b["t"] == "BulletList" else b["c"][1]) == 2 for b in lists)


def test_libreoffice_sees_the_tracked_changes(written: Written) -> None:
    for name in ("tracked", "tracked_plain"):
        found = re.search(
            r"<text:tracked-changes.*?</text:tracked-changes>",
            odt_part(written.odt[name], "content.xml"),
            re.DOTALL,
        )
        assert found is not None, name
        content = found.group(0)  # comments have authors (dc:creator) too
        regions = content.count("<text:changed-region")
        changed = sum(1 for a, b in zip(written.before, written.after, strict=True) if a != b)
        assert regions >= changed, name
        assert "<text:insertion>" in content
        assert "<text:deletion>" in content
        creators = set(re.findall(r"<dc:creator>([^<]*)</dc:creator>", content))
        assert creators == {AUTHOR}, name
        dates = set(re.findall(r"<dc:date>([^<]*)</dc:date>", content))
        assert dates == {"2025-06-07T08:09:10"}, name


@pytest.mark.parametrize("name", [pytest.param("tracked", marks=_PICTURE_GAP), "tracked_plain"])
def test_pandoc_accepts_and_rejects_the_tracked_changes(written: Written, name: str) -> None:
    path = str(written.docx[name])
    accepted = flat(
        pandoc("-f", "docx", "-t", "plain", "--wrap=none", "--track-changes=accept", path)
    )
    rejected = flat(
        pandoc("-f", "docx", "-t", "plain", "--wrap=none", "--track-changes=reject", path)
    )
    body = slice(1, -2)  # the title is metadata; headers and footers are not read
    for old, new in zip(written.before[body], written.after[body], strict=True):
        assert flat(new) in accepted
        assert flat(old) in rejected
    marked = json.loads(pandoc("-f", "docx", "-t", "json", "--track-changes=all", path))
    classes = Counter(cls for n in walk(marked) if n.get("t") == "Span" for cls in n["c"][0][1])
    assert classes["insertion"] > 0
    assert classes["deletion"] > 0


def test_templates_keep_their_look_in_libreoffice(written: Written) -> None:
    for stem in ("default", "academic", "business"):
        styles = odt_part(written.odt[f"into_{stem}"], "styles.xml")
        template_styles = odt_part(written.odt[f"template_{stem}"], "styles.xml")
        fonts = set(re.findall(r'style:font-name="([^"]+)"', template_styles))
        assert fonts, stem
        assert fonts <= set(re.findall(r'style:font-name="([^"]+)"', styles)), stem
        assert "<text:page-number" in styles, stem  # the page number field in a header/footer
        text = flat(
            pandoc("-f", "odt", "-t", "plain", "--wrap=none", str(written.odt[f"into_{stem}"]))
        )
        assert "We need to use the new tools to start the work." in text
        assert "template" not in text.lower()  # the specimen body was replaced
