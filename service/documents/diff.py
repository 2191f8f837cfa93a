"""Differences between two versions of a text: word ops, unified and HTML.

The word diff encodes each distinct token (word, whitespace run or other
character) as one code point, as diff-match-patch's ``diff_linesToChars``
does for lines, and diffs the two code strings. Code points skip the
surrogate block so that every code string is valid Unicode; that leaves
room for 1,112,064 distinct tokens.

Myers' diff costs O(D²) in the number of edits D, so a few thousand
scattered edits in a long text would take over ten seconds. So the code
strings are first cut at anchors, as in patience diff: runs of tokens
around a window of eight that occurs once in each version. Only the short
stretches between anchors go to ``diff_main``, with no timeout, so each
piece is minimal. A deadline still bounds a pathological input (long,
repetitive and heavily edited, so it has no anchors): past it
diff-match-patch answers with a coarser but still valid diff.
"""

from __future__ import annotations

import difflib
import html
import re
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Literal, assert_never

from diff_match_patch import diff_match_patch

from service.documents._tokens import TOKEN, is_word

DiffOpKind = Literal["equal", "insert", "delete"]

_KINDS: dict[int, DiffOpKind] = {0: "equal", 1: "insert", -1: "delete"}
_SURROGATES = 0xE000 - 0xD800
_MAX_TOKENS = 0x110000 - _SURROGATES
# Tokens per anchor window: about four words with their spaces.
_WINDOW = 8
# About one position in this many starts a window that may become an anchor.
_SPACING = 16
# Below this many tokens a stretch goes straight to diff_main.
_SMALL = 256
DEADLINE_SECONDS = 10.0
# Recursion into the stretches between anchors stops here.
_MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class DiffOp:
    op: DiffOpKind
    text: str


@dataclass(frozen=True, slots=True)
class DiffStats:
    """Word counts; ``changed_ratio`` is (inserted + deleted) / (before + after)."""

    words_before: int
    words_after: int
    inserted_words: int
    deleted_words: int
    unchanged_words: int
    changed_ratio: float

    def to_dict(self) -> dict[str, float | int]:
        return {
            "words_before": self.words_before,
            "words_after": self.words_after,
            "inserted_words": self.inserted_words,
            "deleted_words": self.deleted_words,
            "unchanged_words": self.unchanged_words,
            "changed_ratio": self.changed_ratio,
        }


@dataclass(frozen=True, slots=True)
class WordDiff:
    """Ops whose equal+delete texts spell ``before``, and equal+insert ``after``."""

    ops: tuple[DiffOp, ...]
    stats: DiffStats

    def to_dict(self) -> dict[str, object]:
        return {
            "ops": [{"op": op.op, "text": op.text} for op in self.ops],
            "stats": self.stats.to_dict(),
        }


class _Codec:
    """One code point per distinct token, shared by both versions."""

    __slots__ = ("code", "token", "words")

    def __init__(self, before: list[str], after: list[str]) -> None:
        distinct = dict.fromkeys(before)
        distinct.update(dict.fromkeys(after))
        if len(distinct) > _MAX_TOKENS:
            raise ValueError(f"too many distinct tokens to diff: {len(distinct)}")
        self.code = {tok: _code_point(n) for n, tok in enumerate(distinct)}
        self.token = {code: tok for tok, code in self.code.items()}
        self.words = frozenset(code for tok, code in self.code.items() if is_word(tok))

    def encode(self, tokens: list[str]) -> str:
        return "".join(map(self.code.__getitem__, tokens))

    def decode(self, codes: str) -> str:
        return "".join(map(self.token.__getitem__, codes))

    def count_words(self, codes: str) -> int:
        return sum(n for code, n in Counter(codes).items() if code in self.words)


def _code_point(n: int) -> str:
    return chr(n if n < 0xD800 else n + _SURROGATES)


def word_diff(before: str, after: str, deadline: float | None = None) -> WordDiff:
    """Diff two texts word by word; adjacent ops of one kind are merged.

    Past ``deadline`` (``time.time()``; ten seconds from now by default) what
    is left is diffed coarsely, whole stretches replaced. Raises
    ``ValueError`` past 1,112,064 distinct tokens (many megabytes of text
    that never repeats a word).
    """
    tokens_before = TOKEN.findall(before)
    tokens_after = TOKEN.findall(after)
    codec = _Codec(tokens_before, tokens_after)
    a = codec.encode(tokens_before)
    b = codec.encode(tokens_after)
    engine = diff_match_patch()
    engine.Diff_Timeout = 0
    if deadline is None:
        deadline = time.time() + DEADLINE_SECONDS
    pieces = (piece for piece in _diff_codes(engine, a, b, deadline, 0) if piece[1])
    merged = [
        (kind, "".join(codes for _, codes in group))
        for kind, group in groupby(pieces, key=itemgetter(0))
    ]
    words_before = codec.count_words(a)
    words_after = codec.count_words(b)
    inserted = sum(codec.count_words(codes) for kind, codes in merged if kind == 1)
    deleted = sum(codec.count_words(codes) for kind, codes in merged if kind == -1)
    stats = DiffStats(
        words_before=words_before,
        words_after=words_after,
        inserted_words=inserted,
        deleted_words=deleted,
        unchanged_words=words_before - deleted,
        changed_ratio=round((inserted + deleted) / max(1, words_before + words_after), 4),
    )
    ops = tuple(DiffOp(_KINDS[kind], codec.decode(codes)) for kind, codes in merged)
    return WordDiff(ops=ops, stats=stats)


def changed_ratio(before: str, after: str) -> float:
    """Share of words inserted or deleted, from 0.0 (identical) to 1.0."""
    if before == after:
        return 0.0
    return word_diff(before, after).stats.changed_ratio


def unified_diff(
    before: str, after: str, *, from_label: str, to_label: str, context: int = 3
) -> str:
    """A line-based unified diff, as ``diff -u`` prints it; ``""`` when identical."""
    if before == after:
        return ""
    out: list[str] = []
    for line in difflib.unified_diff(
        _lines(before), _lines(after), fromfile=from_label, tofile=to_label, n=context
    ):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def html_diff(before: str, after: str) -> str:
    """An HTML fragment with ``<ins>`` and ``<del>``; all text is escaped."""
    parts = ['<div class="refiner-diff">']
    for op in word_diff(before, after).ops:
        text = html.escape(op.text)
        match op.op:
            case "equal":
                parts.append(text)
            case "insert":
                parts.append(f"<ins>{text}</ins>")
            case "delete":
                parts.append(f"<del>{text}</del>")
            case _:
                assert_never(op.op)
    parts.append("</div>")
    return "".join(parts)


def _lines(text: str) -> list[str]:
    """Split on ``\\n`` only, keeping it: other line breaks are line content."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


_Piece = tuple[int, str]
_Run = tuple[int, int, int]


def _diff_codes(
    engine: diff_match_patch, a: str, b: str, deadline: float, depth: int
) -> Iterator[_Piece]:
    """Diff two code strings: anchors first, diff_main between them."""
    prefix = engine.diff_commonPrefix(a, b)
    if prefix:
        yield (0, a[:prefix])
        a, b = a[prefix:], b[prefix:]
    suffix = engine.diff_commonSuffix(a, b)
    tail = a[len(a) - suffix :]
    a, b = a[: len(a) - suffix], b[: len(b) - suffix]
    runs = _anchors(a, b) if depth < _MAX_DEPTH and min(len(a), len(b)) >= _SMALL else []
    if runs:
        i = j = 0
        for run_a, run_b, size in runs:
            yield from _diff_codes(engine, a[i:run_a], b[j:run_b], deadline, depth + 1)
            yield (0, a[run_a : run_a + size])
            i, j = run_a + size, run_b + size
        yield from _diff_codes(engine, a[i:], b[j:], deadline, depth + 1)
    elif a or b:
        yield from engine.diff_main(a, b, False, deadline)
    yield (0, tail)


def _anchors(a: str, b: str) -> list[_Run]:
    """Common runs ``(start_a, start_b, size)``, in order in both strings.

    Only windows starting at a landmark (a code among the rarest in ``a``,
    about one position in ``_SPACING``) are compared, so the cost follows
    the number of landmarks rather than the length of the text.
    """
    landmarks = _landmarks(a)
    unique_a = _unique_windows(a, landmarks)
    unique_b = _unique_windows(b, landmarks)
    matched = [(i, unique_b[w], len(w)) for w, i in unique_a.items() if w in unique_b]
    runs: list[_Run] = []
    for i, j, size in _increasing(matched):
        if runs:
            run_a, run_b, run_size = runs[-1]
            end_a, end_b = run_a + run_size, run_b + run_size
            if i - run_a == j - run_b and a[end_a:i] == b[end_b:j]:
                runs[-1] = (run_a, run_b, max(run_size, i + size - run_a))
                continue
            cut = max(end_a - i, end_b - j, 0)
            if cut >= size:
                continue
            i, j, size = i + cut, j + cut, size - cut
        runs.append((i, j, size))
    return runs


def _landmarks(codes: str) -> re.Pattern[str]:
    """A character class of the rarest codes, covering about 1/_SPACING of ``codes``."""
    budget = len(codes) // _SPACING
    chosen: list[str] = []
    for code, count in sorted(Counter(codes).items(), key=itemgetter(1)):
        if budget <= 0 and chosen:
            break
        chosen.append(code)
        budget -= count
    return re.compile("[" + "".join(map(re.escape, chosen)) + "]")


def _unique_windows(codes: str, landmarks: re.Pattern[str]) -> dict[str, int]:
    """Windows starting at a landmark that occur once, with their position."""
    positions = [m.start() for m in landmarks.finditer(codes)]
    windows = [codes[i : i + _WINDOW] for i in positions]
    counts = Counter(windows)
    return {w: i for w, i in zip(windows, positions, strict=True) if counts[w] == 1}


def _increasing(runs: list[_Run]) -> list[_Run]:
    """The longest subsequence of runs (sorted by start in a) rising in b too."""
    tails: list[int] = []
    tail_index: list[int] = []
    previous: list[int] = []
    for index, (_, j, _) in enumerate(runs):
        slot = bisect_left(tails, j)
        if slot == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[slot] = j
            tail_index[slot] = index
        previous.append(tail_index[slot - 1] if slot else -1)
    chain: list[_Run] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        chain.append(runs[index])
        index = previous[index]
    chain.reverse()
    return chain
