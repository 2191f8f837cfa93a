"""Property tests: every strategy is idempotent, keeps line breaks and reports consistent edits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engines.edits import Refinement
from service.engines.local import STRATEGIES, refine
from service.engines.local._protect import protect

_WORDS = [
    "in order to", "due to the fact that", "a large number of", "the majority of",
    "each and every", "null and void", "basically", "really", "very unique", "is", "was",
    "it", "the", "a", "an", "of", "to", "utilize", "utilizes", "commence", "Utilize",
    "In order to", "IN ORDER TO", "Commence Bay", "had had", "that that", "e.g.", "U.S.",
    "3.14", "10:30", "don't", "users'", "5'10\"", "well-known", "java.lang.String",
    "cat", "dog", "The", "This", "It", "really hard", "basically done",
    "Please note that", "please note that", "For your information,", "at your earliest convenience",
    "would like to take this opportunity to", "beneficial owner", "retain counsel", "per annum",
    "in advance of", "endeavoured to", "endeavours to", "her", "numerous", "approximately",
    "approximately 5", "inquire into", "demonstrated", "has", "shall", "last of all",
    "a great deal of", "late", "in and of itself", "repeat again", "and", "assist", "them",
]  # fmt: skip
_PUNCT = [
    ".", ",", ";", ":", "!", "?", "!!!", "??", ",,", "...", "?!", " -- ", "\u2014", " \u2013 ",
    '"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "(", ")", "`", "``",
]  # fmt: skip
_SPACE = [
    " ",
    " ",
    " ",
    "  ",
    "   ",
    "\t",
    "\n",
    "\n\n",
    "\n    ",
    "\n```\n",
    "\n~~~\n",
    "::\n\n  ",
]
_SPANS = [
    "`in order to`", "``utilize``", "https://x.org/in_order_to", "a@b.example",
    "[utilize](https://x.org/utilize)", "<b>utilize</b>", '"in order to"', "\u201cutilize\u201d",
]  # fmt: skip

_TOKEN = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(_PUNCT),
    st.sampled_from(_SPACE),
    st.sampled_from(_SPANS),
)
_TEXT = st.lists(_TOKEN, max_size=40).map("".join)
_PARAGRAPHS = [
    "In order to utilize the the tool , we commence.Basically, it works!!! It is basically "
    "done due to the fact that a large number of the users are able to help.",
    'He said \u201cin order to\u201d -- and she said "each and every" time.  The end result '
    "was very unique; it\u2019s null and void.\n\nThe majority of people utilise it.",
    "Run `in order to` or see https://example.org/utilize.\n\n    code  here  \n\nDone ,ok",
]

_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _consistent(text: str, result: Refinement) -> None:
    pos = 0
    parts = []
    for edit in result.edits:
        assert edit.start >= pos, "edits overlap or are unsorted"
        assert text[edit.start : edit.end] == edit.before
        parts += [text[pos : edit.start], edit.after]
        pos = edit.end
    parts.append(text[pos:])
    assert "".join(parts) == result.text


def _check(text: str, strategy: str) -> None:
    result = refine(text, strategy)
    _consistent(text, result)
    assert result.text.count("\n") == text.count("\n")
    again = refine(result.text, strategy)
    assert again.text == result.text, again.edits


@_SETTINGS
@given(text=_TEXT, strategy=st.sampled_from(list(STRATEGIES)))
def test_generated_text(text: str, strategy: str) -> None:
    _check(text, strategy)


@_SETTINGS
@given(
    text=st.text(
        alphabet=st.sampled_from(list("ab .,;:!?'\"\n-`\u2019\u201c\u201d\u2014")), max_size=60
    ),
    strategy=st.sampled_from(list(STRATEGIES)),
)
def test_punctuation_soup(text: str, strategy: str) -> None:
    _check(text, strategy)


def test_real_paragraphs() -> None:
    for paragraph in _PARAGRAPHS:
        for strategy in STRATEGIES:
            _check(paragraph, strategy)


@settings(max_examples=100, deadline=None)
@given(
    picks=st.lists(
        st.integers(min_value=0, max_value=len(_PARAGRAPHS) - 1), min_size=1, max_size=4
    ),
    glue=st.sampled_from(["\n", "\n\n", " "]),
)
def test_real_paragraphs_combined(picks: list[int], glue: str) -> None:
    text = glue.join(_PARAGRAPHS[i] for i in picks)
    for strategy in STRATEGIES:
        _check(text, strategy)


@_SETTINGS
@given(text=_TEXT, strategy=st.sampled_from(["plain", "concise"]))
def test_plain_and_concise_never_edit_a_protected_span(text: str, strategy: str) -> None:
    """Code, links, markup and quotations come out exactly as they went in."""
    protection = protect(text)
    for edit in refine(text, strategy).edits:
        for spans in (protection.hard, protection.quoted):
            assert not spans.overlaps(edit.start, edit.end), (edit, text)
