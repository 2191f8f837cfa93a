from __future__ import annotations

import random
from itertools import pairwise

import pytest
from diff_match_patch import diff_match_patch
from hypothesis import given, settings
from hypothesis import strategies as st

from service.documents._tokens import TOKEN, WORD
from service.documents.diff import (
    DiffOp,
    WordDiff,
    _code_point,
    changed_ratio,
    html_diff,
    unified_diff,
    word_diff,
)


def assert_rebuilds(diff: WordDiff, before: str, after: str) -> None:
    assert "".join(op.text for op in diff.ops if op.op != "insert") == before
    assert "".join(op.text for op in diff.ops if op.op != "delete") == after
    assert all(op.text for op in diff.ops)
    kinds = [op.op for op in diff.ops]
    assert all(x != y for x, y in pairwise(kinds)), "ops not merged"


def test_identical_texts_are_one_equal_op() -> None:
    text = "Nothing changes here.\n\nNot even this."
    diff = word_diff(text, text)
    assert diff.ops == (DiffOp("equal", text),)
    assert diff.stats.changed_ratio == 0.0
    assert diff.stats.unchanged_words == diff.stats.words_before == 6
    assert changed_ratio(text, text) == 0.0


def test_empty_texts() -> None:
    diff = word_diff("", "")
    assert diff.ops == ()
    assert diff.stats.words_before == diff.stats.words_after == 0
    assert diff.stats.changed_ratio == 0.0
    assert word_diff("", "new words").ops == (DiffOp("insert", "new words"),)
    assert word_diff("old words", "").ops == (DiffOp("delete", "old words"),)


def test_pure_insertion() -> None:
    diff = word_diff("The cat sat.", "The black cat sat.")
    assert_rebuilds(diff, "The cat sat.", "The black cat sat.")
    assert [op.op for op in diff.ops] == ["equal", "insert", "equal"]
    assert diff.ops[1].text.strip() == "black"
    assert diff.stats.inserted_words == 1
    assert diff.stats.deleted_words == 0


def test_pure_deletion() -> None:
    diff = word_diff("The very old cat sat.", "The cat sat.")
    assert_rebuilds(diff, "The very old cat sat.", "The cat sat.")
    assert [op.op for op in diff.ops] == ["equal", "delete", "equal"]
    assert diff.ops[1].text.split() == ["very", "old"]
    assert diff.stats.deleted_words == 2


def test_replacement_inside_a_sentence() -> None:
    diff = word_diff("The quick brown fox jumps.", "The quick red fox jumps.")
    assert diff.ops == (
        DiffOp("equal", "The quick "),
        DiffOp("delete", "brown"),
        DiffOp("insert", "red"),
        DiffOp("equal", " fox jumps."),
    )


def test_whole_words_change_not_letters() -> None:
    diff = word_diff("I like cats.", "I liked cats.")
    assert DiffOp("delete", "like") in diff.ops
    assert DiffOp("insert", "liked") in diff.ops


def test_whitespace_only_change() -> None:
    diff = word_diff("a b\nc", "a  b\n\nc")
    assert_rebuilds(diff, "a b\nc", "a  b\n\nc")
    assert diff.stats.inserted_words == diff.stats.deleted_words == 0
    assert diff.stats.changed_ratio == 0.0
    assert any(op.op != "equal" for op in diff.ops)


def test_unicode_accents_emoji_and_cjk() -> None:
    before = "Un café ☕ à Paris. 日本語のテキスト。👍🏽 done"
    after = "Un cafe ☕ à Lyon. 日本語の文章。👍🏽 done 🎉"
    diff = word_diff(before, after)
    assert_rebuilds(diff, before, after)
    assert DiffOp("delete", "café") in diff.ops
    assert DiffOp("insert", "cafe") in diff.ops
    assert DiffOp("delete", "Paris") in diff.ops
    # CJK characters are words of their own, so only the changed ones differ.
    deleted = "".join(op.text for op in diff.ops if op.op == "delete")
    assert "日本語" not in deleted
    assert "テキスト" in deleted


def test_combining_accents_stay_in_the_word() -> None:
    diff = word_diff("cafe\u0301 noir", "cafe\u0301 au lait")
    assert diff.ops[0] == DiffOp("equal", "cafe\u0301 ")


def test_more_distinct_tokens_than_the_basic_plane() -> None:
    words = [f"w{i}" for i in range(70_000)]
    before = " ".join(words)
    changed = list(words)
    changed[10] = "ten"
    changed[69_990] = "last"
    del changed[40_000]
    after = " ".join(changed)
    diff = word_diff(before, after)
    assert_rebuilds(diff, before, after)
    assert diff.stats.words_before == 70_000
    assert diff.stats.deleted_words == 3
    assert diff.stats.inserted_words == 2


def test_code_points_skip_surrogates() -> None:
    assert _code_point(0xD7FF) == "\ud7ff"
    assert _code_point(0xD800) == "\ue000"
    assert _code_point(0x10F7FF) == chr(0x10FFFF)


def _prose(rng: random.Random, words: int) -> list[str]:
    vocabulary = [f"{stem}{suffix}" for stem in ("alpha", "beta", "gamma") for suffix in "xyzw"]
    vocabulary += ["the", "of", "and", "a", "to", "in", "is", "it"]
    tokens: list[str] = []
    for i in range(words):
        tokens.append(rng.choice(vocabulary))
        tokens.append(rng.choice([" "] * 12 + [", ", ". ", ".\n\n"]) if i % 7 else " ")
    return tokens


def _token_edits(before: str, after: str) -> int:
    """Inserted plus deleted tokens in a plain, unanchored, minimal diff_main."""
    codes: dict[str, str] = {}
    a = "".join(codes.setdefault(t, chr(len(codes) + 0xE000)) for t in TOKEN.findall(before))
    b = "".join(codes.setdefault(t, chr(len(codes) + 0xE000)) for t in TOKEN.findall(after))
    engine = diff_match_patch()
    engine.Diff_Timeout = 0
    return sum(len(text) for op, text in engine.diff_main(a, b, False) if op)


def test_long_text_diff_is_as_small_as_a_plain_diff() -> None:
    rng = random.Random(7)
    tokens = _prose(rng, 6000)
    before = "".join(tokens)
    for _ in range(40):
        i = rng.randrange(0, len(tokens), 2)
        tokens[i] = rng.choice(["new", "", tokens[i] + " extra"])
    after = "".join(tokens)
    diff = word_diff(before, after)
    assert_rebuilds(diff, before, after)
    ours = sum(len(TOKEN.findall(op.text)) for op in diff.ops if op.op != "equal")
    assert ours == _token_edits(before, after)


def test_moved_paragraph() -> None:
    rng = random.Random(3)
    paragraphs = ["".join(_prose(rng, 80)) for _ in range(12)]
    before = "\n\n".join(paragraphs)
    paragraphs.insert(9, paragraphs.pop(2))
    after = "\n\n".join(paragraphs)
    assert_rebuilds(word_diff(before, after), before, after)


def test_stats() -> None:
    stats = word_diff("one two three", "one two four five").stats
    assert stats.words_before == 3
    assert stats.words_after == 4
    assert stats.inserted_words == 2
    assert stats.deleted_words == 1
    assert stats.unchanged_words == 2
    assert stats.changed_ratio == round(3 / 7, 4)
    assert changed_ratio("one two three", "one two four five") == stats.changed_ratio


def test_to_dict() -> None:
    data = word_diff("a b", "a c").to_dict()
    assert data["ops"] == [
        {"op": "equal", "text": "a "},
        {"op": "delete", "text": "b"},
        {"op": "insert", "text": "c"},
    ]
    assert data["stats"] == {
        "words_before": 2,
        "words_after": 2,
        "inserted_words": 1,
        "deleted_words": 1,
        "unchanged_words": 1,
        "changed_ratio": 0.5,
    }


_PIECES = [*"ab c-'.,!\n\t1", "\u00e9", "e\u0301", "\u65e5", "\U0001f600", "\r\n", "<&>"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(before=_TEXT, after=_TEXT)
def test_ops_rebuild_both_texts(before: str, after: str) -> None:
    diff = word_diff(before, after)
    assert_rebuilds(diff, before, after)
    stats = diff.stats
    assert stats.words_before == len(WORD.findall(before))
    assert stats.words_after == len(WORD.findall(after))
    assert stats.unchanged_words == stats.words_after - stats.inserted_words
    assert 0.0 <= stats.changed_ratio <= 1.0


@settings(max_examples=50, deadline=None)
@given(words=st.lists(st.sampled_from(["x", "y", "z", "x y", "\n\n"]), min_size=300, max_size=600))
def test_ops_rebuild_long_repetitive_texts(words: list[str]) -> None:
    before = " ".join(words)
    after = " ".join(words[::2] + words[1::3])
    assert_rebuilds(word_diff(before, after), before, after)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32), edits=st.integers(1, 60))
def test_ops_rebuild_long_edited_prose(seed: int, edits: int) -> None:
    rng = random.Random(seed)
    tokens = _prose(rng, 800)
    before = "".join(tokens)
    for _ in range(edits):
        i = rng.randrange(len(tokens))
        start = rng.randrange(len(tokens))
        tokens[i] = rng.choice(["", "new", tokens[i] * 2, "".join(tokens[start : start + 9])])
    after = "".join(tokens)
    assert_rebuilds(word_diff(before, after), before, after)


def test_unified_diff_format() -> None:
    out = unified_diff("a\nb\nc\n", "a\nB\nc\n", from_label="v1.txt", to_label="v2.txt")
    assert out == "--- v1.txt\n+++ v2.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"


def test_unified_diff_context_and_missing_final_newline() -> None:
    before = "".join(f"line {i}\n" for i in range(20)) + "end"
    after = before.replace("line 10\n", "line ten\n").replace("end", "END")
    out = unified_diff(before, after, from_label="a", to_label="b", context=1)
    assert out.splitlines()[:3] == ["--- a", "+++ b", "@@ -10,3 +10,3 @@"]
    assert "-end\n\\ No newline at end of file\n+END\n\\ No newline at end of file\n" in out
    assert out.endswith("\n")


def test_unified_diff_identical_is_empty() -> None:
    assert unified_diff("same\n", "same\n", from_label="a", to_label="b") == ""


def test_html_diff_escapes_user_text() -> None:
    out = html_diff("Hello & co <i>", "Hello <script>alert(1)</script> & co\nbye")
    assert out.startswith('<div class="refiner-diff">')
    assert out.endswith("</div>")
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert "&amp; co" in out
    assert "\nbye" in out
    assert "<br" not in out
    assert "<ins>" in out
    assert "<del> &lt;i&gt;</del>" in out


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("same", "same", '<div class="refiner-diff">same</div>'),
        (
            'say "hi"',
            'say "yo"',
            '<div class="refiner-diff">say &quot;<del>hi</del><ins>yo</ins>&quot;</div>',
        ),
    ],
)
def test_html_diff_markup(before: str, after: str, expected: str) -> None:
    assert html_diff(before, after) == expected
