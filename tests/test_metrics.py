from __future__ import annotations

import pytest

from service.documents.metrics import TextMetrics, syllable_count, text_metrics


def test_very_easy_sentence() -> None:
    # 6 words, 1 sentence, 6 syllables:
    # 206.835 - 1.015 * 6 - 84.6 * 1 = 116.145; 0.39 * 6 + 11.8 * 1 - 15.59 = -1.45
    metrics = text_metrics("The cat sat on the mat.")
    assert metrics.words == 6
    assert metrics.sentences == 1
    assert metrics.avg_sentence_words == 6.0
    assert metrics.flesch_reading_ease == pytest.approx(116.15, abs=0.01)
    assert metrics.grade_level == pytest.approx(-1.45, abs=0.01)


def test_textbook_paragraph_by_hand() -> None:
    # 2 sentences, 12 words; syllables 1+1+1+2+1+1 + 1+1+1+1+1+1 = 13:
    # 206.835 - 1.015 * 6 - 84.6 * 13 / 12 = 109.095
    metrics = text_metrics("The dog ran over the hill. Then it found a bone there.")
    assert metrics.words == 12
    assert metrics.sentences == 2
    assert metrics.flesch_reading_ease == pytest.approx(109.1, abs=0.01)


def test_long_technical_sentence_is_hard() -> None:
    metrics = text_metrics(
        "Notwithstanding the aforementioned considerations, the implementation of "
        "comprehensive organizational restructuring necessitates substantial "
        "interdepartmental collaboration and extraordinarily meticulous coordination."
    )
    assert metrics.sentences == 1
    assert metrics.flesch_reading_ease < 0
    assert metrics.grade_level > 20


def test_easy_text_scores_above_hard_text() -> None:
    easy = text_metrics("I like my dog. He is big. We run and play all day.")
    hard = text_metrics(
        "Institutional heterogeneity substantially complicates longitudinal "
        "comparative evaluation methodologies."
    )
    assert easy.flesch_reading_ease > 80 > 0 > hard.flesch_reading_ease
    assert easy.grade_level < hard.grade_level


@pytest.mark.parametrize("text", ["", "   \n\n\t", "```\ncode only. here.\n```", "!!! ... ???"])
def test_no_words_gives_zeros(text: str) -> None:
    assert text_metrics(text) == TextMetrics(0, 0, 0.0, 0.0, 0.0)


def test_code_is_not_counted() -> None:
    prose = "Run the tool. It prints a report.\n\nRead it twice."
    with_code = (
        "Run the tool. It prints a report.\n\n"
        "```python\nimport sys. print('many words in this code block.')\n```\n\n"
        "~~~~\nmore fenced words. and sentences.\n~~~~\n\n"
        "Read `the_report.txt` it twice."
    )
    assert text_metrics(prose).words == 10
    metrics = text_metrics(with_code)
    assert metrics.words == 10
    assert metrics.sentences == 3


def test_backtick_fence_with_backticks_in_info_is_inline_code() -> None:
    # "``` x ```" on one line is an inline code span, not a fence.
    metrics = text_metrics("Before ``` x ``` after.\nStill prose here.")
    assert metrics.words == 5
    assert metrics.sentences == 2


def test_unclosed_fence_runs_to_the_end() -> None:
    assert text_metrics("Some words.\n```\nnot. prose. at all.").words == 2


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("the", 1),
        ("cat", 1),
        ("make", 1),
        ("named", 1),
        ("table", 2),
        ("wanted", 2),
        ("poem", 2),
        ("area", 2),
        ("beautiful", 3),
        ("syllable", 3),
        ("naturally", 4),
        ("readability", 5),
        ("university", 5),
        ("Beautiful", 3),
        ("don't", 1),
        ("well-known", 2),
        ("2024", 1),
        ("日", 1),
    ],
)
def test_syllable_count(word: str, syllables: int) -> None:
    assert syllable_count(word) == syllables


def test_pyphen_undercount_is_corrected() -> None:
    # en_US patterns never split "poem" or "quiet": the vowel groups do.
    assert syllable_count("quiet") == 2
    assert syllable_count("create") == 2


def test_sentences_across_paragraphs_headings_and_lists() -> None:
    text = (
        "# A heading without a period\n"
        "First paragraph has no final stop\n\n"
        "Second paragraph. It has two sentences!\n\n"
        "## Another heading\n"
        "- a list item\n"
        "- another item\n"
        "1. numbered item\n"
        "   continued on the next line\n"
    )
    metrics = text_metrics(text)
    assert metrics.sentences == 8
    assert metrics.words == 31  # list markers are not words


def test_sentence_ends() -> None:
    assert text_metrics("Really?! Yes... fine. Ok").sentences == 4
    assert text_metrics('He said "stop." Then left.').sentences == 2
    assert text_metrics("Pi is 3.14 and e is 2.72 roughly").sentences == 1
    assert text_metrics("Pi is 3.14 and e is 2.72 roughly").words == 8
    assert text_metrics("See example.com for more").sentences == 1


def test_to_dict() -> None:
    assert text_metrics("The cat sat on the mat.").to_dict() == {
        "words": 6,
        "sentences": 1,
        "avg_sentence_words": 6.0,
        "flesch_reading_ease": 116.15,
        "grade_level": -1.45,
    }
