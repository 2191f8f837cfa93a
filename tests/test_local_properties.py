"""Property tests: every strategy is idempotent, keeps line breaks and reports consistent edits."""

from __future__ import annotations

import re

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engines.base import PassOptions
from service.engines.edits import Refinement
from service.engines.local import STRATEGIES, engine, refine
from service.engines.local._compose import apply
from service.engines.local._context import Context
from service.engines.local._protect import protect, shifted
from service.engines.local_engine import LocalEngine, paragraph_chunks

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


# normalize through the service, protected spans, other languages ----------------

_PROSE = [
    "the", "report", "is", "ready", "we", "checked", "it", "twice", "a", "an", "hour", "user",
    "honest", "apple", "one-off", "URL", "Team", "A", "i", "think", "so", "and", "but", "end",
    "The", "It", "We", "e.g.", "U.S.", "os.path", "snake_case", "CamelCase", "'90s", "rock",
    "'n'", "roll", "3.14", "10:30", "notes.txt",
]  # fmt: skip
_SLIP = [" ", " ", " ", "  ", "   ", " ,", ",", ".", ". ", ".  ", " .", "? ", ";", ":"]
_MARKUP = [
    "`a  hour`", "``the the``", "[^the the]", "[text][the  the]", "{{ the the }}",
    "{% if a hour %}", "\\cite{the the}", "\\ref{a  hour}", "https://x.org/a,the", "me@x.org",
    "the_the", "TheThe", "the.the", '"the the"', "\u201ca hour\u201d", "<b>the  the</b>",
]  # fmt: skip
_BLOCKS = [
    "```\nthe the  a hour ,and\n```",
    "    the the  a hour",
    ":param the the: a value.",
    "[the the]: https://x.org  \"a hour\"",
    "| a  hour | the the |\n|---|---|",
    "name    value\nalpha   1",
]  # fmt: skip

_SENTENCE = st.lists(
    st.one_of(
        st.sampled_from(_PROSE),
        st.sampled_from(_SLIP),
        st.sampled_from(_MARKUP).map(lambda markup: f" {markup} "),
    ),
    min_size=1,
    max_size=25,
).map("".join)
_PARAGRAPH = st.one_of(_SENTENCE, st.sampled_from(_BLOCKS))
_DOCUMENT = st.lists(_PARAGRAPH, min_size=2, max_size=12).map("\n\n".join)


def _service(text: str, chunk_chars: int) -> str:
    engine = LocalEngine()
    engine.chunk_chars = chunk_chars

    async def run() -> str:
        outcome = await engine.run_pass(
            text, "normalize", PassOptions(), lambda done, total, delta: None
        )
        return outcome.text

    return anyio.run(run)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_DOCUMENT, chunk_chars=st.integers(min_value=20, max_value=200))
def test_normalize_through_the_service_is_idempotent(text: str, chunk_chars: int) -> None:
    """Pieces smaller than the document: one pass equals the whole text's, a second changes
    nothing."""
    assert len(list(paragraph_chunks(text, chunk_chars))) >= 1
    once = _service(text, chunk_chars)
    assert once == refine(text, "normalize").text
    assert _service(once, chunk_chars) == once


@_SETTINGS
@given(text=_DOCUMENT, strategy=st.sampled_from(list(STRATEGIES)))
def test_no_edit_inside_a_protected_span(text: str, strategy: str) -> None:
    hard = protect(text).hard
    for edit in refine(text, strategy).edits:
        assert not hard.overlaps(edit.start, edit.end), edit
    result = refine(text, strategy).text
    for construct in _MARKUP[:-3] + _BLOCKS[:3]:
        assert result.count(construct) >= text.count(construct), construct


@_SETTINGS
@given(text=_DOCUMENT)
def test_a_second_round_can_move_the_protection(text: str) -> None:
    """After a round of spacing and word edits, the moved ranges are the ones found anew."""
    ctx = Context.of(text)
    rules = tuple(rule for _, rule in engine._PLAN["normalize"])
    edits, _ = engine._round(text, rules, None, None)
    if not edits or not all(e.rule in engine._KEEP_PROTECTION for e in edits):
        return
    after = apply(text, edits)
    moved, found = shifted(ctx.protection, edits), protect(after)
    assert list(moved.hard) == list(found.hard)
    assert list(moved.quoted) == list(found.quoted)
    assert moved.marks == found.marks
    assert moved.elided == found.elided


_FOREIGN = {
    "de": [
        "das",
        "wetter",
        "ist",
        "heute",
        "schön",
        "und",
        "wir",
        "gehen",
        "an",
        "einen",
        "ort",
        "in",
        "die",
        "stadt",
        "mit",
        "ein",
        "freund",
        "der",
        "hund",
        "läuft",
        "über",
        "die",
        "straße",
        "weil",
        "es",
        "regnet",
        "aber",
        "niemand",
        "ist",
        "da",
    ],
    "fr": [
        "il",
        "fait",
        "beau",
        "aujourd'hui",
        "et",
        "nous",
        "allons",
        "en",
        "ville",
        "avec",
        "les",
        "enfants",
        "elle",
        "a",
        "un",
        "chat",
        "il",
        "a",
        "eu",
        "une",
        "idée",
        "mais",
        "personne",
        "ne",
        "sait",
        "où",
        "est",
        "la",
        "gare",
    ],
    "es": [
        "hace",
        "buen",
        "tiempo",
        "hoy",
        "y",
        "vamos",
        "a",
        "la",
        "ciudad",
        "con",
        "los",
        "amigos",
        "él",
        "va",
        "a",
        "un",
        "parque",
        "ella",
        "tiene",
        "a",
        "su",
        "hermano",
        "en",
        "una",
        "casa",
        "de",
        "la",
        "playa",
        "pero",
        "nadie",
        "sabe",
    ],
}
_FOREIGN_TEXT = st.sampled_from(sorted(_FOREIGN)).flatmap(
    lambda lang: st.lists(
        st.one_of(st.sampled_from(_FOREIGN[lang]), st.sampled_from(_SLIP)), min_size=3, max_size=40
    ).map(" ".join)
)
_LETTERS = re.compile(r"[^\W\d_]+")


@_SETTINGS
@given(text=_FOREIGN_TEXT, strategy=st.sampled_from(list(STRATEGIES)))
def test_a_word_of_another_language_is_never_changed(text: str, strategy: str) -> None:
    assert _LETTERS.findall(refine(text, strategy).text) == _LETTERS.findall(text)
