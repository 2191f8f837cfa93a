"""Feedback storage and scores, without a server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from service.feedback import FeedbackLog, FeedbackScores, FeedbackUnavailable, rating_value


def record(n: int, strategy: str = "concise", rating: str | int = "up") -> dict[str, Any]:
    return {
        "id": f"fb_{n}",
        "at": 1_800_000_000.0 + n,
        "strategy": strategy,
        "engine": "local",
        "rating": rating,
        "value": rating_value(rating),
        "comment": None,
    }


async def test_the_folder_appears_with_the_first_record(tmp_path: Path) -> None:
    folder = tmp_path / "feedback"
    log = FeedbackLog(folder)
    assert log.read_all() == []
    assert not folder.exists()
    await log.append(record(1))
    assert [r["id"] for r in log.read_all()] == ["fb_1"]


async def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path)
    async with anyio.create_task_group() as tg:
        for n in range(200):
            tg.start_soon(log.append, record(n))
    lines = (tmp_path / "2027-01-15.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(f"fb_{n}" for n in range(200))


async def test_a_torn_last_line_is_skipped_and_the_next_record_starts_clean(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = FeedbackLog(tmp_path)
    await log.append(record(1))
    path = anyio.Path(log._path(record(1)["at"]))
    torn = '{"id": "fb_torn", "strat'  # what a crash mid-write leaves
    await path.write_text(await path.read_text() + torn)
    fresh = FeedbackLog(tmp_path)
    assert [r["id"] for r in fresh.read_all()] == ["fb_1"]
    assert "skipping unreadable feedback line" in caplog.text
    await fresh.append(record(2))
    assert [r["id"] for r in fresh.read_all()] == ["fb_1", "fb_2"]


async def test_an_unwritable_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(FeedbackUnavailable, match="cannot be stored"):
        await FeedbackLog(blocker / "feedback").append(record(1))


def test_ratings_map_to_values() -> None:
    assert [rating_value(r) for r in ("up", "down", 1, 3, 5)] == [1.0, 0.0, 0.0, 0.5, 1.0]


def test_without_feedback_the_plan_is_the_built_in_order() -> None:
    scores = FeedbackScores()
    assert scores.rank("local", ("normalize", "concise", "plain")) == (
        "normalize",
        "concise",
        "plain",
    )


def test_enough_bad_ratings_move_a_strategy_down_and_good_ones_up() -> None:
    plan = ("normalize", "concise", "plain")
    scores = FeedbackScores([record(n, "normalize", "down") for n in range(5)])
    assert scores.rank("local", plan) == ("concise", "plain", "normalize")
    scores.add(record(9, "plain", 5))
    assert scores.rank("local", plan)[0] == "concise", "one rating is not enough"
    scores.add(record(10, "plain", 5))
    assert scores.rank("local", plan)[0] == "plain"
    assert scores.rank("openai", plan) == plan, "scores are per engine"


def test_summary_counts_ups_downs_and_comments() -> None:
    with_comment = {**record(3, "plain", 2), "comment": "too terse"}
    scores = FeedbackScores([record(1, "plain", "up"), record(2, "plain", 3), with_comment])
    (row,) = scores.summary({("plain", "local"): 2})
    assert (row["count"], row["ups"], row["downs"]) == (3, 1, 1)
    assert row["mean"] == pytest.approx((1 + 0.5 + 0.25) / 3, abs=1e-4)
    assert row["latest_comments"][0]["comment"] == "too terse"


def _vote(n: int, rating: str, voter: str | None, pass_number: int = 2) -> dict[str, Any]:
    return {**record(n, "plain", rating), "voter": voter, "job_id": "job_1", "pass": pass_number}


def test_a_voter_who_changes_a_vote_on_a_pass_counts_once_with_the_latest() -> None:
    scores = FeedbackScores([_vote(1, "up", "me"), _vote(2, "down", "me")])
    (row,) = scores.summary({("plain", "local"): 2})
    assert (row["count"], row["ups"], row["downs"], row["mean"]) == (1, 0, 1, 0.0)
    scores.add(_vote(3, "up", "me"))
    (row,) = scores.summary({("plain", "local"): 2})
    assert (row["count"], row["ups"], row["downs"], row["mean"]) == (1, 1, 0, 1.0)


def test_other_voters_other_passes_and_unnamed_ratings_all_count() -> None:
    ratings = [
        _vote(1, "up", "me"),
        _vote(2, "up", "you"),
        _vote(3, "up", "me", pass_number=3),
        _vote(4, "down", None),
        _vote(5, "down", None),
    ]
    (row,) = FeedbackScores(ratings).summary({("plain", "local"): 2})
    assert (row["count"], row["ups"], row["downs"]) == (5, 3, 2)
