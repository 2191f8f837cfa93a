"""Documents cut into chunks a model can take, and put back together exactly.

A chunk is made of whole paragraphs (blocks separated by blank lines); a
fenced code block is one paragraph however many blank lines it holds, and
is never cut. Only a single paragraph longer than the budget is cut, between
sentences. Whitespace around a chunk stays outside what the model sees and
is put back as it was, so ``"".join(c.text for c in chunks) == text``.

Tokens are estimated, not counted: ``tiktoken`` downloads its encodings at
run time, which an offline deployment cannot do, and an OpenAI-compatible
server may run a model with another tokenizer anyway. One token per three
bytes of UTF-8 overestimates English (about four characters a token) and
roughly matches CJK text; a context-length error still recovers by halving.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

BYTES_PER_TOKEN = 3
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Where a long paragraph may be cut: after a sentence's end, else at a line
# break, else between words.
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+")
_LINE_BREAK = re.compile(r"\n")
_SPACE = re.compile(r"\s+")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode()) / BYTES_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class Chunk:
    """``body`` goes to the model; ``lead`` and ``trail`` (whitespace) are kept aside."""

    lead: str
    body: str
    trail: str

    @classmethod
    def of(cls, raw: str) -> Chunk:
        body = raw.strip()
        if not body:
            return cls(raw, "", "")
        start = raw.index(body)
        return cls(raw[:start], body, raw[start + len(body) :])

    @property
    def text(self) -> str:
        return self.lead + self.body + self.trail

    def with_body(self, body: str) -> Chunk:
        return Chunk(self.lead, body, self.trail)


def blocks(text: str) -> list[str]:
    """Paragraphs, each with the blank lines after it; their concatenation is ``text``."""
    found: list[str] = []
    current: list[str] = []
    fence: str | None = None
    after_blank = False
    for line in text.splitlines(keepends=True):
        blank = not line.strip()
        if fence is None and not blank and after_blank and any(s.strip() for s in current):
            found.append("".join(current))
            current = []
        current.append(line)
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
        elif fence is not None and opened and line.strip().startswith(fence[0] * len(fence)):
            fence = None
        after_blank = blank and fence is None
    if current:
        found.append("".join(current))
    return found


def has_fence(block: str) -> bool:
    return any(_FENCE.match(line) for line in block.splitlines())


def is_code(text: str) -> bool:
    """Whether every paragraph of ``text`` is a fenced code block (nothing to refine)."""
    parts = [b.strip("\n") for b in blocks(text) if b.strip()]
    return bool(parts) and all(_FENCE.match(b) for b in parts)


def paragraphs(text: str) -> list[str]:
    """The blocks of ``text`` that hold a paragraph, each with the blank lines after it."""
    return [b for b in blocks(text) if b.strip()]


def paragraph_count(text: str) -> int:
    return len(paragraphs(text))


def chunk_text(text: str, budget: int) -> list[Chunk]:
    """Chunks of whole paragraphs, each estimated at ``budget`` tokens or fewer when it can be."""
    chunks: list[Chunk] = []
    pending: list[str] = []
    size = 0  # bytes pending
    for piece in _pieces(text, budget):
        piece_size = len(piece.encode())
        if pending and math.ceil((size + piece_size) / BYTES_PER_TOKEN) > budget:
            chunks.append(Chunk.of("".join(pending)))
            pending, size = [], 0
        pending.append(piece)
        size += piece_size
    if pending or not chunks:
        chunks.append(Chunk.of("".join(pending)))
    return _absorb_blank(chunks)


def halve(chunk: Chunk, *, shortest: int = 0) -> tuple[Chunk, Chunk] | None:
    """Two chunks holding ``chunk``'s text, cut near its middle; ``None`` if it cannot be
    cut. Between paragraphs where it has several; a single paragraph shorter than
    ``shortest`` characters is not cut."""
    body = chunk.body
    parts = blocks(body)
    cut: int | None
    if len(parts) > 1:
        cut = _nearest([len("".join(parts[:i])) for i in range(1, len(parts))], len(body) // 2)
    else:
        cut = None if has_fence(body) or len(body) < shortest else _cut_point(body)
    if cut is None:
        return None
    return Chunk.of(chunk.lead + body[:cut]), Chunk.of(body[cut:] + chunk.trail)


def _pieces(text: str, budget: int) -> Iterator[str]:
    for block in blocks(text):
        if estimate_tokens(block) <= budget or has_fence(block):
            yield block
        else:
            yield from _split_long(block, budget)


def _split_long(block: str, budget: int) -> Iterator[str]:
    """``block`` in pieces of at most ``budget`` tokens where it has places to cut.

    Each cut is looked for in the next ``limit`` characters only, so a long
    paragraph is read about once, not once per piece.
    """
    limit = budget * BYTES_PER_TOKEN  # characters, at most as many as bytes
    start = 0
    left = len(block.encode())  # bytes not yet given out
    while math.ceil(left / BYTES_PER_TOKEN) > budget:
        window = block[start : start + limit + 1]
        cut = _cut_point(window, before=limit, at_end=start + len(window) == len(block))
        if cut is None or cut > limit:  # no place to cut within reach: the first one after it
            cut = _cut_point(block[start:], before=limit)
        if cut is None:
            break
        piece = block[start : start + cut]
        left -= len(piece.encode())
        start += cut
        yield piece
    yield block[start:]


def _cut_point(text: str, before: int | None = None, *, at_end: bool = True) -> int | None:
    """The end of a separator in ``text``: the last before ``before`` (else the first
    after it), or the one nearest the middle. Sentence ends are preferred to line
    breaks, and line breaks to spaces. ``at_end``: ``text`` ends where the text does,
    so its trailing whitespace is no place to cut."""
    scanned = text.rstrip() if at_end else text
    found = [
        [m.end() for m in pattern.finditer(scanned) if m.start() > 0]
        for pattern in (_SENTENCE_END, _LINE_BREAK, _SPACE)
    ]
    if before is None:
        return next((_nearest(ends, len(text) // 2) for ends in found if ends), None)
    for ends in found:
        earlier = [e for e in ends if e <= before]
        if earlier:
            return earlier[-1]
    return next((ends[0] for ends in found if ends), None)


def _nearest(points: list[int], target: int) -> int:
    return min(points, key=lambda p: abs(p - target))


def _absorb_blank(chunks: list[Chunk]) -> list[Chunk]:
    """A chunk of whitespace only (a document's tail) joins the chunk before it."""
    kept: list[Chunk] = []
    for chunk in chunks:
        if not chunk.body and kept:
            last = kept[-1]
            kept[-1] = Chunk(last.lead, last.body, last.trail + chunk.lead)
        else:
            kept.append(chunk)
    return kept
