"""Sorted, merged character ranges with a fast overlap test."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Spans:
    """Half-open ranges ``[start, end)``, merged and sorted by start."""

    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()

    @classmethod
    def build(cls, ranges: Iterable[tuple[int, int]]) -> Spans:
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(r for r in ranges if r[1] > r[0]):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        return cls(tuple(starts), tuple(ends))

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` touches a range; an empty range counts if strictly inside."""
        i = bisect_right(self.starts, max(start, end - 1)) - 1
        if i < 0:
            return False
        if end > start:
            return self.ends[i] > start
        return self.starts[i] < start < self.ends[i]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(zip(self.starts, self.ends, strict=True))
