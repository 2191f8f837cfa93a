"""Run every local strategy over a corpus of real English and report what the rules do.

The corpus is read from files installed by Debian packages; nothing is
downloaded. Install them once with::

    apt-get install -y python3.11-doc gnu-standards fortunes-min

Sources (missing ones are skipped):

- ``/usr/share/doc/python3.11/html/_sources/**/*.rst.txt``: the Python 3.11
  documentation in reStructuredText (package ``python3.11-doc``, PSF licence).
- ``/usr/share/doc/gnu-standards/{standards,maintain}.text.gz``: GNU Coding
  Standards and GNU Maintainer Information as plain text (``gnu-standards``,
  GNU FDL, no invariant sections).
- ``/usr/share/games/fortunes/{fortunes,literature,riddles}``: quotations and
  short prose (``fortunes-min``, BSD-style licence).
- ``/usr/share/doc/*/README*``: the README files of installed packages, as
  found on the machine (various free licences).

Writes ``bench/results/quality.md`` (git-ignored): words processed, edits per
1,000 words by rule, throughput, and a deterministic sample of edits per rule
with context, for review. Usage: ``.venv/bin/python bench/quality.py [--sample N]``.
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.engines.edits import Edit
from service.engines.local import RULES, STRATEGIES, refine

OUT = Path(__file__).resolve().parent / "results" / "quality.md"
SOURCES = {
    "python3.11-doc": ["/usr/share/doc/python3.11/html/_sources/**/*.rst.txt"],
    "gnu-standards": [
        "/usr/share/doc/gnu-standards/standards.text.gz",
        "/usr/share/doc/gnu-standards/maintain.text.gz",
    ],
    "fortunes-min": [
        "/usr/share/games/fortunes/fortunes",
        "/usr/share/games/fortunes/literature",
        "/usr/share/games/fortunes/riddles",
    ],
    "package READMEs": [
        "/usr/share/doc/*/README",
        "/usr/share/doc/*/README.md",
        "/usr/share/doc/*/README.txt",
    ],
}
_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?")


def _read(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def load_corpus() -> dict[str, list[tuple[str, str]]]:
    corpus: dict[str, list[tuple[str, str]]] = {}
    for source, patterns in SOURCES.items():
        docs = []
        for pattern in patterns:
            for path in sorted(Path("/").glob(pattern.lstrip("/"))):
                if path.is_file():
                    docs.append((str(path), _read(path)))
        if docs:
            corpus[source] = docs
    return corpus


def context(text: str, edit: Edit, width: int = 60) -> str:
    left = text[max(0, edit.start - width) : edit.start]
    right = text[edit.end : edit.end + width]
    flat = f"{left}[{edit.before} -> {edit.after}]{right}"
    return " ".join(flat.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=20, help="edits sampled per rule")
    args = parser.parse_args()
    corpus = load_corpus()
    if not corpus:
        sys.exit("no corpus found; see the docstring for the packages to install")
    words = sum(len(_WORD.findall(text)) for docs in corpus.values() for _, text in docs)
    chars = sum(len(text) for docs in corpus.values() for _, text in docs)
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seconds: dict[str, float] = {}
    for strategy in STRATEGIES:
        began = time.perf_counter()
        for docs in corpus.values():
            for path, text in docs:
                for edit in refine(text, strategy).edits:
                    found[edit.rule].append((path, context(text, edit)))
        seconds[strategy] = time.perf_counter() - began
    lines = ["# Local engine on the evaluation corpus", ""]
    for source, docs in corpus.items():
        n = sum(len(_WORD.findall(text)) for _, text in docs)
        lines.append(f"- {source}: {len(docs)} files, {n:,} words")
    lines += [f"- total: {words:,} words, {chars / 1e6:.1f} MB", ""]
    lines += ["| strategy | MB/s |", "|---|---:|"]
    lines += [f"| {s} | {chars / 1e6 / t:.1f} |" for s, t in seconds.items()]
    lines += ["", "| rule | edits | per 1,000 words |", "|---|---:|---:|"]
    for rule in RULES:
        n = len(found[rule])
        lines.append(f"| {rule} | {n} | {1000 * n / words:.3f} |")
    rng = random.Random(20240601)
    for rule in RULES:
        edits = found[rule]
        lines += ["", f"## {rule} ({len(edits)} edits)", ""]
        for path, ctx in sorted(rng.sample(edits, min(args.sample, len(edits)))):
            lines.append(f"- `{Path(path).name}`: {ctx}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
