"""From ratings to a score per strategy and engine, and the plan that follows from it.

Ratings are mapped to [0, 1]: ``up`` is 1, ``down`` is 0, and 1 to 5 stars
are (stars - 1) / 4. A strategy's score is a Bayesian average: its ratings
plus ``PRIOR_WEIGHT`` imaginary ratings at its prior, which follows the
engine's built-in order (``PRIOR_TOP`` for the first, ``PRIOR_STEP`` less for
each next). With no feedback the plan is the built-in order; every rating
moves its strategy's score towards what people said.

A rating of one pass by a named voter (a record with ``voter``, ``job_id``
and ``pass``) is a vote that can be changed: the same voter's later rating of
the same pass replaces it in the tallies. The log keeps every rating; only
the latest of a voter's pass counts. Ratings without a voter all count.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

PRIOR_WEIGHT = 10.0
PRIOR_TOP = 0.7
PRIOR_STEP = 0.05
LATEST_COMMENTS = 5


def rating_value(rating: str | int) -> float:
    if rating == "up":
        return 1.0
    if rating == "down":
        return 0.0
    assert isinstance(rating, int)
    return (rating - 1) / 4


def prior(position: int) -> float:
    return max(0.05, PRIOR_TOP - PRIOR_STEP * position)


@dataclass(slots=True)
class _Tally:
    count: int = 0
    total: float = 0.0
    ups: int = 0
    downs: int = 0
    comments: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LATEST_COMMENTS))

    def add(self, record: dict[str, Any], sign: int = 1) -> None:
        """Count ``record`` in (``sign`` 1) or, for a vote that was changed, out (-1)."""
        value = float(record["value"])
        self.count += sign
        self.total += sign * value
        if value >= 0.75:
            self.ups += sign
        elif value <= 0.25:
            self.downs += sign
        if sign < 0:
            return
        if record.get("comment"):
            self.comments.append(
                {"comment": record["comment"], "rating": record["rating"], "at": record["at"]}
            )


class FeedbackScores:
    """Running tallies per (strategy, engine); fed by every stored record."""

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self._tallies: dict[tuple[str, str], _Tally] = {}
        self._votes: dict[tuple[str, str, str, str, int], dict[str, Any]] = {}
        for record in records:
            self.add(record)

    def add(self, record: dict[str, Any]) -> None:
        try:
            key = (str(record["strategy"]), str(record["engine"]))
            tally = self._tallies.setdefault(key, _Tally())
            tally.add(record)
        except (KeyError, TypeError, ValueError):
            return  # a record from a damaged file; reading already warned
        vote = _vote_of(record)
        if vote is not None:
            earlier = self._votes.get(vote)
            if earlier is not None:
                self._tallies[(str(earlier["strategy"]), str(earlier["engine"]))].add(earlier, -1)
            self._votes[vote] = record

    def score(self, strategy: str, engine: str, position: int) -> float:
        tally = self._tallies.get((strategy, engine), _Tally())
        return (PRIOR_WEIGHT * prior(position) + tally.total) / (PRIOR_WEIGHT + tally.count)

    def rank(self, engine: str, built_in: Sequence[str]) -> tuple[str, ...]:
        """The engine's strategies, best score first; ties keep the built-in order."""
        scored = [(-self.score(s, engine, i), i, s) for i, s in enumerate(built_in)]
        return tuple(s for _, _, s in sorted(scored))

    def count(self, strategy: str, engine: str) -> int:
        tally = self._tallies.get((strategy, engine))
        return tally.count if tally else 0

    def summary(self, positions: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
        """Per strategy and engine with feedback or a place in a plan."""
        rows = []
        for key in sorted(set(self._tallies) | set(positions)):
            strategy, engine = key
            tally = self._tallies.get(key, _Tally())
            position = positions.get(key, len(positions))
            mean = tally.total / tally.count if tally.count else None
            rows.append(
                {
                    "strategy": strategy,
                    "engine": engine,
                    "count": tally.count,
                    "ups": tally.ups,
                    "downs": tally.downs,
                    "mean": round(mean, 4) if mean is not None else None,
                    "mean_stars": round(1 + 4 * mean, 2) if mean is not None else None,
                    "score": round(self.score(strategy, engine, position), 4),
                    "prior": prior(position),
                    "latest_comments": list(reversed(tally.comments)),
                }
            )
        return rows


def _vote_of(record: dict[str, Any]) -> tuple[str, str, str, str, int] | None:
    """The voter and pass a rating is a vote on, if it names both: the latest counts."""
    voter, job_id, number = record.get("voter"), record.get("job_id"), record.get("pass")
    if not isinstance(voter, str) or not isinstance(job_id, str) or not isinstance(number, int):
        return None
    return (voter, job_id, str(record.get("file_id") or ""), str(record["strategy"]), number)


PRIOR_DESCRIPTION = (
    f"Bayesian average of ratings mapped to [0, 1] (up 1, down 0, stars (n - 1) / 4) with "
    f"{PRIOR_WEIGHT:g} prior ratings at {PRIOR_TOP:g} for an engine's first built-in strategy "
    f"and {PRIOR_STEP:g} less for each next one"
)
