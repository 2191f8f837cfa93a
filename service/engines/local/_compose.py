"""Apply edits, and fold a second round of edits into the first.

A strategy runs its rules over the text until nothing changes (usually one
round, at most a few). Edits of a later round are expressed against the
original input: an edit that lies in untouched text is shifted; one that
overlaps or touches an earlier edit is merged with it into one edit.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

from service.engines.edits import Edit


def select(candidates: Iterable[Edit]) -> list[Edit]:
    """Keep non-overlapping candidates: the earliest start wins, then the rule listed first."""
    chosen: list[Edit] = []
    last_end = -1
    last_start = -1
    for edit in sorted(candidates, key=lambda e: e.start):  # stable: rule order breaks ties
        if edit.start < last_end or (edit.start == last_start and edit.start == edit.end):
            continue
        if chosen and edit.start == last_end and (edit.start == edit.end or last_start == last_end):
            continue  # an insertion next to another edit: ambiguous order, skip it
        chosen.append(edit)
        last_start, last_end = edit.start, edit.end
    return chosen


def apply(text: str, edits: Sequence[Edit]) -> str:
    parts: list[str] = []
    pos = 0
    for edit in edits:
        parts.append(text[pos : edit.start])
        parts.append(edit.after)
        pos = edit.end
    parts.append(text[pos:])
    return "".join(parts)


def compose(original: str, first: Sequence[Edit], second: Sequence[Edit]) -> list[Edit]:
    """Edits against ``original`` equal to applying ``first`` and then ``second``."""
    if not second:
        return list(first)
    # Where each first-round edit's output sits in the intermediate text.
    out_starts: list[int] = []
    out_ends: list[int] = []
    shift = 0
    for edit in first:
        out_starts.append(edit.start + shift)
        shift += len(edit.after) - (edit.end - edit.start)
        out_ends.append(edit.start + shift + (edit.end - edit.start))
    middle = apply(original, first)

    def to_original(pos: int) -> int:
        """Map an intermediate position outside every first-round output to ``original``."""
        i = bisect_right(out_ends, pos) - 1
        if i < 0:
            return pos
        return first[i].end + (pos - out_ends[i])

    def touches(i: int, a: int, b: int) -> bool:
        s, e = out_starts[i], out_ends[i]
        if s < b and a < e:
            return True
        return (s == e or a == b) and s <= b and a <= e

    # Group second-round edits with the first-round edits they touch.
    clusters: list[tuple[list[Edit], list[int]]] = []
    for edit in second:
        a, b = edit.start, edit.end
        lo = max(0, bisect_right(out_ends, a) - 1)
        hits = []
        for i in range(lo, len(first)):
            if out_starts[i] > b:
                break
            if touches(i, a, b):
                hits.append(i)
        if hits and clusters and clusters[-1][1] and hits[0] <= clusters[-1][1][-1]:
            clusters[-1][0].append(edit)
            clusters[-1][1].extend(i for i in hits if i > clusters[-1][1][-1])
        else:
            clusters.append(([edit], hits))
    used: set[int] = set()
    result: list[Edit] = []
    for edits, hits in clusters:
        if not hits:
            (edit,) = edits
            start = to_original(edit.start)
            end = start + (edit.end - edit.start)
            result.append(
                Edit(
                    edit.rule,
                    edit.category,
                    start,
                    end,
                    original[start:end],
                    edit.after,
                    edit.reason,
                )
            )
            continue
        used.update(hits)
        a2 = min(edits[0].start, out_starts[hits[0]])
        b2 = max(edits[-1].end, out_ends[hits[-1]])
        start = first[hits[0]].start if a2 == out_starts[hits[0]] else to_original(a2)
        end = first[hits[-1]].end if b2 == out_ends[hits[-1]] else to_original(b2)
        shifted = [
            Edit(e.rule, e.category, e.start - a2, e.end - a2, e.before, e.after, e.reason)
            for e in edits
        ]
        after = apply(middle[a2:b2], shifted)
        lead = first[hits[0]]
        reasons = dict.fromkeys([*(first[i].reason for i in hits), *(e.reason for e in edits)])
        result.append(
            Edit(
                lead.rule, lead.category, start, end, original[start:end], after, "; ".join(reasons)
            )
        )
    result.extend(edit for i, edit in enumerate(first) if i not in used)
    result.sort(key=lambda e: (e.start, e.end))
    return result
