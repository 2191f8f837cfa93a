"""Time writing refined text into Word documents, against python-docx's own floor.

Run as ``.venv/bin/python -m bench.docx_speed [--paragraphs N] [--rows N] [--dense-blocks N]``.
Every case is timed as a median of five runs, beside its floor measured in
the same run: python-docx opening and saving the document the case writes,
which any way of writing it with python-docx pays at least. The cases:

- a document of prose paragraphs (headings and body text) with about one
  word in twelve changed: put back in place (``apply_texts``), as tracked
  changes (``tracked_changes_docx``), and rebuilt in a style template
  (``restyle``);
- a table merged down every column, rebuilt in a template;
- Markdown with a long table, written into a template.

A second table times Markdown dense in markup (emphasis, links, inline
code, nested lists, headings, tables; and ``*a*`` repeated) per element,
an element being a token of markdown-it-py (a block's opening or closing,
a piece of text, a mark of emphasis, a link), beside its baseline measured
in the same run: the same text written run by run through python-docx's
API, as the service once wrote it (``bench.baselines.docx_per_run``). Both
include parsing, whose own share is shown.

The documents are generated from a seeded random, so every run measures
the same input.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import docx
from markdown_it import MarkdownIt

from bench.baselines.docx_per_run import write_markdown as write_markdown_per_run
from bench.diff_speed import median_seconds
from service.documents.docx import (
    apply_texts,
    read_docx,
    restyle,
    tracked_changes_docx,
    write_markdown,
)

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "default.docx"
_SENTENCE = (
    "we utilize the plan in order to make sure that the team can deliver the work on time "
    "and the results are clear to every reader of the report"
)
_WORDS = _SENTENCE.split()


def saved(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def prose(paragraphs: int, rng: random.Random) -> bytes:
    document = docx.Document()
    for n in range(paragraphs):
        words = rng.choices(_WORDS, k=rng.randint(12, 60))
        style = "Heading 1" if n % 20 == 0 else "List Bullet" if n % 7 == 0 else "Normal"
        document.add_paragraph(" ".join(words).capitalize() + ".", style=style)
    return saved(document)


def edited(texts: list[str], rng: random.Random) -> list[str]:
    """About one word in twelve replaced."""
    return [
        " ".join(rng.choice(_WORDS) if rng.random() < 1 / 12 else w for w in text.split(" "))
        for text in texts
    ]


def merged_table(rows: int, columns: int) -> bytes:
    document = docx.Document()
    table = document.add_table(rows=rows, cols=columns)
    for c in range(columns):
        table.cell(0, c).text = f"column {c}"
        table.cell(0, c).merge(table.cell(rows - 1, c))
    return saved(document)


def markdown(rows: int, paragraphs: int) -> str:
    table = "\n".join(f"| row {n} | **{n * 7}** | done |" for n in range(rows))
    body = "\n\n".join(f"Paragraph {n}, with *some* words in it." for n in range(paragraphs))
    return f"# Report\n\n| name | value | state |\n|---|--:|---|\n{table}\n\n{body}\n"


def dense_markdown(blocks: int, rng: random.Random) -> str:
    """Markdown dense in markup: every kind the writer knows, in every block."""
    inline = ["*a*", "**b**", "`c`", "[l](https://example.com/x)", "~~s~~", "w", "***bi***", "_u_"]
    kinds: list[Callable[[int], str]] = [
        lambda n: f"## Heading {n} with *emphasis* and `code`",
        lambda n: " ".join(rng.choice(inline) for _ in range(30)),
        lambda n: "- item *one*\n  - nested **two**\n    - deeper `three`\n- [back](https://a.b)",
        lambda n: "1. first\n2. second *em*\n\n> quote with **bold** and\n> a soft break",
        lambda n: "| a | b |\n|:-|-:|\n| *x* | **y** |\n| `z` | [q](https://q.q) |",
        lambda n: "*a*" * 40,
    ]
    return "\n\n".join(kinds[n % len(kinds)](n) for n in range(blocks)) + "\n"


_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def elements(text: str) -> int:
    tokens = _PARSER.parse(text)
    return len(tokens) + sum(len(token.children or ()) for token in tokens)


def cpu_medians(cases: list[Callable[[], object]], runs: int = 5) -> list[float]:
    """Each case's median CPU seconds, the cases run in turn ``runs`` times: on a
    shared machine, a load that comes and goes then weighs on all of them alike."""
    times: list[list[float]] = [[] for _ in cases]
    for _ in range(runs):
        for spent, case in zip(times, cases, strict=True):
            start = time.process_time()
            case()
            spent.append(time.process_time() - start)
    return [statistics.median(spent) for spent in times]


def per_element(label: str, template: bytes, text: str) -> str:
    """One Markdown case: microseconds per element, then and now, and parsing's share."""
    count = elements(text)
    before, now, parse = cpu_medians(
        [
            lambda: write_markdown_per_run(template, text),
            lambda: write_markdown(template, text),
            lambda: _PARSER.parse(text),
        ]
    )
    micro = 1e6 / count
    writing = (before - parse) / max(now - parse, 1e-9)
    return (
        f"{label:<24} {count:>9,} {before * micro:9.1f} {now * micro:9.1f} "
        f"{before / now:6.1f}x {parse * micro:8.1f} {writing:8.1f}x"
    )


def floor_seconds(data: bytes) -> float:
    """python-docx opening and saving ``data``."""
    return median_seconds(lambda: saved(docx.Document(io.BytesIO(data))))


def row(label: str, seconds: float, floor: float) -> str:
    return f"{label:<44} {seconds * 1000:9.1f} ms {floor * 1000:9.1f} ms {seconds / floor:7.1f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=2000, help="prose paragraphs")
    parser.add_argument("--rows", type=int, default=240, help="rows of the merged table")
    parser.add_argument(
        "--dense-blocks", type=int, default=600, help="blocks of the dense Markdown"
    )
    args = parser.parse_args()
    rng = random.Random(20261126)
    template = TEMPLATE.read_bytes()
    when = datetime(2026, 1, 1, tzinfo=UTC)

    source = prose(args.paragraphs, rng)
    before = read_docx(source).texts
    after = edited(before, rng)
    merged = merged_table(args.rows, 10)
    merged_texts = read_docx(merged).texts
    text = markdown(400, args.paragraphs)
    cases: list[tuple[str, Callable[[], bytes]]] = [
        (f"apply_texts, {len(before):,} paragraphs", lambda: apply_texts(source, after)),
        (
            f"tracked_changes_docx, {len(before):,} paragraphs",
            lambda: tracked_changes_docx(source, before, after, author="bench", date=when),
        ),
        (f"restyle, {len(before):,} paragraphs", lambda: restyle(template, source, after)[0]),
        (
            f"restyle, {args.rows} x 10 table merged down",
            lambda: restyle(template, merged, merged_texts)[0],
        ),
        (
            f"write_markdown, 400-row table + {args.paragraphs:,} par.",
            lambda: write_markdown(template, text)[0],
        ),
    ]
    print(f"{'case (median of 5)':<44} {'time':>12} {'floor':>12} {'x floor':>8}")
    for label, case in cases:
        seconds = median_seconds(case)
        print(row(label, seconds, floor_seconds(case())), flush=True)
    print("floor: python-docx opening and saving the document the case writes")
    print()
    print(
        f"{'Markdown dense in markup':<24} {'elements':>9} {'per run':>9} {'now':>9} "
        f"{'ratio':>7} {'parsing':>8} {'writing':>9}"
    )
    dense = dense_markdown(args.dense_blocks, rng)
    print(per_element("mixed markup", template, dense), flush=True)
    print(per_element("*a* repeated", template, "*a*" * (elements(dense) // 3)), flush=True)
    print(
        "CPU microseconds per element (median of 5, the three in turn), parsing included; "
        "per run: the same text written through python-docx's run API (the baseline); "
        "parsing: markdown-it-py alone; writing: the ratio without parsing"
    )


if __name__ == "__main__":
    main()
