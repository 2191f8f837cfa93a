"""Every local strategy on input no writer meant: it behaves, and loses nothing."""

from __future__ import annotations

import re

import pytest

from service.engines.local import STRATEGIES, refine

_FOREIGN = re.compile(r"[^\W\d_A-Za-z]+")  # runs of letters outside ASCII
_SENTENCE = "We  need to utilize the the tools in order to commence ,and recieve them. "


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_five_megabytes_in_one_paragraph(strategy: str) -> None:
    text = (_SENTENCE * (5_000_000 // len(_SENTENCE) + 1))[:5_000_000]
    result = refine(text, strategy)
    assert len(result.text) > 0.5 * len(text)
    assert refine(result.text, strategy).text == result.text, "one pass did it all"


@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize(
    "text",
    [
        "x" * 200_000,  # no spaces at all
        "utilize" * 30_000,
        "Tab\there\x00and\x07bell\x1b[0m in order to\u202e utilize\ufeff the the end.",
    ],
    ids=["one-letter", "one-word", "controls"],
)
def test_no_spaces_and_control_characters(strategy: str, text: str) -> None:
    result = refine(text, strategy)
    for control in "\x00\x07\x1b\u202e\ufeff\t":
        assert result.text.count(control) == text.count(control)
    if " " not in text:
        assert result.text == text


@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize(
    "text",
    [
        "Мы  должны использовать the tools in order to начать работу ,и получить их.",
        "東京で  utilize the the 道具 in order to 始める。Привет мир.",
        "Ελληνικά κείμενα  και the the λέξεις in order to commence.",
    ],
    ids=["cyrillic", "cjk", "greek"],
)
def test_words_of_other_scripts_are_never_changed(strategy: str, text: str) -> None:
    result = refine(text, strategy)
    assert _FOREIGN.findall(result.text) == _FOREIGN.findall(text)
