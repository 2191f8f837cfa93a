"""Run every local strategy over four genres of English prose and keep a reviewed sample.

The corpus is read from files installed by Debian packages and from
``bench/texts/``; nothing is downloaded. Install the packages once with::

    apt-get install -y python3.11-doc gnu-standards r-cran-janeaustenr

(``r-cran-janeaustenr`` pulls in R; only its data file is read, so
``apt-get download r-cran-janeaustenr && dpkg-deb -x r-cran-janeaustenr_*.deb /``
is enough.) Genres and sources (missing ones are skipped):

- ``fiction``: Jane Austen's six novels, one document per chapter, from the
  R data file of ``r-cran-janeaustenr`` (public domain texts, MIT packaging).
- ``legal``: contract clauses, notices and minutes in ``bench/texts/legal``,
  written for this benchmark with the traps of the genre (terms of art,
  obligations whose meaning a swap would change).
- ``business``: letters, e-mails and memos in ``bench/texts/business``, written
  for this benchmark with the slips real writers make.
- ``technical``: the Python 3.11 documentation's reST sources
  (``python3.11-doc``), the GNU Coding Standards (``gnu-standards``) and the
  README files of installed packages.

Every genre is split by document into a tuning half and a held-back half
(sorted names, alternating). Rules are changed looking at the tuning half
only; the review and the tables are of the held-back half.

The review (``bench/quality_review.tsv``) is a stratified sample of the
held-back edits: per genre and strategy, the edits whose seeded hash is
lowest. An edit's key hashes its genre, document, rule, text and context, so
regenerating after an engine change keeps the verdicts of the edits that did
not change and adds new ones as ``unreviewed``. Verdicts are ``good``
(improves the text), ``neutral`` (harmless, no better) or ``wrong`` (changes
meaning, breaks grammar or markup). The script rewrites the review file and
the table in ``docs/quality.md`` between its markers.

Usage: ``.venv/bin/python bench/quality.py [--per-cell N] [--half tuning|held-back]``;
``--half tuning`` prints the tuning half's edits instead (for rule work).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import re
import struct
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.engines.edits import Edit
from service.engines.local import STRATEGIES, refine

HERE = Path(__file__).resolve().parent
TEXTS = HERE / "texts"
REVIEW = HERE / "quality_review.tsv"
DOC = HERE.parent / "docs" / "quality.md"
SEED = "refiner-quality-2025"
VERDICTS = ("good", "neutral", "wrong")
AUSTEN = Path("/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb")
TECHNICAL = [
    "/usr/share/doc/python3.11/html/_sources/**/*.rst.txt",
    "/usr/share/doc/gnu-standards/standards.text.gz",
    "/usr/share/doc/gnu-standards/maintain.text.gz",
    "/usr/share/doc/*/README",
    "/usr/share/doc/*/README.md",
    "/usr/share/doc/*/README.txt",
]
_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?")
_CHAPTER = re.compile(r"^(?:CHAPTER|Chapter) [0-9IVXLC]+\.?$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Document:
    genre: str
    name: str
    text: str


def _read(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def _r_strings(blob: bytes) -> list[str]:
    """The strings of an R character vector in R's XDR serialisation (version 3)."""
    pos = 14 + 4 + struct.unpack(">i", blob[14:18])[0]  # header, then the native encoding
    flags, count = struct.unpack(">ii", blob[pos : pos + 8])
    if flags & 0xFF != 16:  # STRSXP
        return []
    pos += 8
    out = []
    for _ in range(count):
        _, length = struct.unpack(">ii", blob[pos : pos + 8])
        pos += 8
        if length < 0:
            out.append("")
            continue
        out.append(blob[pos : pos + length].decode("utf-8", errors="replace"))
        pos += length
    return out


def _austen_novels(path: Path) -> Iterator[list[str]]:
    """Each novel of the lazy-load database: one zlib record (4-byte length first) each."""
    data = path.read_bytes()
    pos = 0
    while pos + 4 < len(data):
        inflater = zlib.decompressobj()
        blob = inflater.decompress(data[pos + 4 :])
        pos = len(data) - len(inflater.unused_data)
        lines = _r_strings(blob)
        if lines:
            yield lines


def _fiction() -> Iterator[Document]:
    if not AUSTEN.is_file():
        return
    for lines in _austen_novels(AUSTEN):
        title = re.sub(r"\W+", "-", lines[0].strip().lower()).strip("-")
        text = "\n".join(lines)
        cuts = [m.start() for m in _CHAPTER.finditer(text)]
        for number, (a, b) in enumerate(zip(cuts, [*cuts[1:], len(text)], strict=True), 1):
            yield Document("fiction", f"{title}/{number:02d}", text[a:b].strip() + "\n")


def _written(genre: str) -> Iterator[Document]:
    for path in sorted((TEXTS / genre).glob("*.txt")):
        yield Document(genre, path.stem, path.read_text(encoding="utf-8"))


def _technical() -> Iterator[Document]:
    for pattern in TECHNICAL:
        for path in sorted(Path("/").glob(pattern.lstrip("/"))):
            if path.is_file():
                yield Document("technical", str(path), _read(path))


def load_corpus() -> dict[str, list[Document]]:
    corpus: dict[str, list[Document]] = {}
    for docs in (_fiction(), _written("legal"), _written("business"), _technical()):
        for doc in docs:
            corpus.setdefault(doc.genre, []).append(doc)
    return corpus


def split(docs: list[Document]) -> tuple[list[Document], list[Document]]:
    """The tuning half and the held-back half: sorted by name, alternating."""
    ordered = sorted(docs, key=lambda d: d.name)
    return ordered[0::2], ordered[1::2]


@dataclass(frozen=True, slots=True)
class Found:
    genre: str
    strategy: str
    doc: str
    rule: str
    before: str
    after: str
    context: str

    @property
    def key(self) -> str:
        raw = "\x1f".join((self.genre, self.doc, self.rule, self.before, self.after, self.context))
        return hashlib.sha1(raw.encode()).hexdigest()[:16]

    @property
    def rank(self) -> str:
        return hashlib.sha1((SEED + self.key).encode()).hexdigest()


def _visible(s: str) -> str:
    return s.replace(" ", "\u2423").replace("\t", "\u2192").replace("\n", "\u21b5")


def context(text: str, edit: Edit, width: int = 70) -> str:
    """The edit in its surroundings on one line; the edit's own spaces shown as marks."""
    left = " ".join(text[max(0, edit.start - width) : edit.start].split(" "))
    right = text[edit.end : edit.end + width]
    left = " ".join(left.split()) + (" " if left[-1:].isspace() else "")
    right = (" " if right[:1].isspace() else "") + " ".join(right.split())
    return f"{left}[{_visible(edit.before)} -> {_visible(edit.after)}]{right}"


def run(docs: list[Document]) -> tuple[list[Found], dict[str, float]]:
    found: list[Found] = []
    seconds: dict[str, float] = {}
    for strategy in STRATEGIES:
        began = time.perf_counter()
        for doc in docs:
            for edit in refine(doc.text, strategy).edits:
                found.append(
                    Found(
                        doc.genre,
                        strategy,
                        doc.name,
                        edit.rule,
                        edit.before,
                        edit.after,
                        context(doc.text, edit),
                    )
                )
        seconds[strategy] = time.perf_counter() - began
    return found, seconds


def sample(found: list[Found], per_cell: int) -> list[Found]:
    """Per genre and strategy, the ``per_cell`` edits of lowest seeded hash."""
    cells: dict[tuple[str, str], list[Found]] = defaultdict(list)
    for f in found:
        cells[(f.genre, f.strategy)].append(f)
    chosen: list[Found] = []
    for cell in sorted(cells):
        unique = {f.key: f for f in cells[cell]}
        chosen.extend(sorted(unique.values(), key=lambda f: f.rank)[:per_cell])
    return chosen


_FIELDS = ("key", "genre", "strategy", "rule", "verdict", "before", "after", "doc", "context")


def read_review() -> dict[str, str]:
    if not REVIEW.is_file():
        return {}
    with REVIEW.open(encoding="utf-8", newline="") as f:
        return {row["key"]: row["verdict"] for row in csv.DictReader(f, delimiter="\t")}


def write_review(chosen: list[Found], verdicts: dict[str, str]) -> list[tuple[Found, str]]:
    rows = [(f, verdicts.get(f.key, "unreviewed")) for f in chosen]
    with REVIEW.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(_FIELDS)
        for f, verdict in rows:
            writer.writerow(
                (f.key, f.genre, f.strategy, f.rule, verdict, f.before, f.after, f.doc, f.context)
            )
    return rows


def table(rows: list[tuple[Found, str]], totals: Counter[tuple[str, str]]) -> list[str]:
    lines = [
        "| genre | strategy | edits (held-back) | reviewed | good | neutral | wrong |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    by_cell: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for f, verdict in rows:
        by_cell[(f.genre, f.strategy)][verdict] += 1
        by_cell[("all", "all")][verdict] += 1
    genres = {genre for genre, _ in totals} | {f.genre for f, _ in rows}
    cells = sorted((genre, strategy) for genre in genres for strategy in STRATEGIES)
    for genre, strategy in [*cells, ("all", "all")]:  # a strategy that edits nothing shows 0
        edits = sum(totals.values()) if genre == "all" else totals[(genre, strategy)]
        counts = by_cell[(genre, strategy)]
        reviewed = sum(counts[v] for v in VERDICTS)

        def share(v: str, counts: Counter[str] = counts, reviewed: int = reviewed) -> str:
            return f"{counts[v]} ({100 * counts[v] / reviewed:.0f}%)" if reviewed else "0"

        bold = "**" if genre == "all" else ""
        lines.append(
            f"| {bold}{genre}{bold} | {strategy} | {edits} | {reviewed} | {share('good')} | "
            f"{share('neutral')} | {share('wrong')} |"
        )
    return lines


_BEGIN = "<!-- review table: written by bench/quality.py -->"
_END = "<!-- end of review table -->"


def write_doc(lines: list[str]) -> None:
    doc = DOC.read_text(encoding="utf-8")
    if _BEGIN not in doc:
        return
    head, rest = doc.split(_BEGIN, 1)
    _, tail = rest.split(_END, 1)
    DOC.write_text(head + _BEGIN + "\n\n" + "\n".join(lines) + "\n\n" + _END + tail, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=32, help="edits reviewed per cell")
    parser.add_argument("--half", choices=("tuning", "held-back"), default="held-back")
    args = parser.parse_args()
    corpus = load_corpus()
    if not corpus:
        sys.exit("no corpus found; see the docstring for the packages to install")
    halves = {genre: split(docs) for genre, docs in corpus.items()}
    pick = 0 if args.half == "tuning" else 1
    docs = [doc for genre in sorted(halves) for doc in halves[genre][pick]]
    for genre in sorted(halves):
        part = halves[genre][pick]
        words = sum(len(_WORD.findall(d.text)) for d in part)
        print(f"{genre}: {len(part)} documents, {words:,} words ({args.half})")
    found, seconds = run(docs)
    chars = sum(len(d.text) for d in docs)
    for strategy, t in seconds.items():
        print(f"{strategy}: {chars / 1e6 / t:.1f} MB/s")
    if args.half == "tuning":
        for f in sorted(found, key=lambda f: (f.genre, f.strategy, f.rule)):
            print(f"{f.genre}\t{f.rule}\t{f.doc}\t{f.context}")
        return
    totals: Counter[tuple[str, str]] = Counter((f.genre, f.strategy) for f in found)
    totals.update({(genre, strategy): 0 for genre in halves for strategy in STRATEGIES})
    rows = write_review(sample(found, args.per_cell), read_review())
    lines = table(rows, totals)
    write_doc(lines)
    print("\n".join(lines))
    unreviewed = sum(1 for _, v in rows if v not in VERDICTS)
    print(f"wrote {REVIEW.relative_to(HERE.parent)} ({len(rows)} rows, {unreviewed} unreviewed)")


if __name__ == "__main__":
    main()
