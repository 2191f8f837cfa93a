"""A model's answer is the refined text only, or it is refused."""

from __future__ import annotations

import pytest

from service.engines.llm.guard import clean_answer, rejection

ORIGINAL = "The plan is ready.\n\nWe start on Monday."
REVISED = "The plan is ready now.\n\nWe begin on Monday."


@pytest.mark.parametrize(
    "answer",
    [
        f"Here is the revised text:\n\n{REVISED}",
        f"Here's the edited version:\n{REVISED}",
        f"Sure! Here is the text with corrections:\n\n{REVISED}",
        f"Sure.\n\n{REVISED}",
        f"Revised text:\n\n{REVISED}",
        f"```\n{REVISED}\n```",
        f"```markdown\n{REVISED}\n```",
        f"Here is the revised text:\n\n```\n{REVISED}\n```",
        f"<text>\n{REVISED}\n</text>",
        f"{REVISED}\n\nLet me know if you would like further changes.",
        f"  \n{REVISED}\n\n",
    ],
)
def test_wrapping_is_removed(answer: str) -> None:
    assert clean_answer(answer, ORIGINAL) == REVISED


def test_what_the_original_had_is_kept() -> None:
    fenced = "```\ncode()\n```"
    assert clean_answer(fenced, fenced) == fenced
    announcing = "Here is the plan:\n\nWe start on Monday."
    assert clean_answer(announcing, announcing) == announcing
    closing = "The plan is ready.\n\nLet me know what you think."
    assert clean_answer(closing, closing) == closing


def test_a_sentence_that_merely_starts_like_a_preamble_stays() -> None:
    text = "Sure enough, the plan was ready.\n\nWe start on Monday."
    assert clean_answer(text, ORIGINAL) == text


def test_acceptable_answers_pass() -> None:
    assert rejection(ORIGINAL, REVISED, max_word_loss=0.5) is None
    assert rejection(ORIGINAL, "Plan ready.\n\nStart Monday.", max_word_loss=0.5) is None


def test_answers_that_lose_text_or_paragraphs_are_refused() -> None:
    assert rejection(ORIGINAL, "", max_word_loss=0.5) == "empty answer"
    lost = rejection(ORIGINAL, "Ready.\n\nMonday.", max_word_loss=0.5)
    assert lost is not None
    assert "lost" in lost
    merged = rejection(ORIGINAL, "The plan is ready and we start on Monday.", max_word_loss=0.5)
    assert merged is not None
    assert "paragraphs" in merged
    assert rejection(ORIGINAL, "Plan ready.\n\nStart Monday.", max_word_loss=0.2) is not None
