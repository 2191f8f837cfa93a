"""The ``spelling`` strategy: each correction it makes, and each trap it must leave alone."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.engines.base import PassOptions
from service.engines.edits import Refinement
from service.engines.local import refine, vocabulary
from service.engines.local._correct import correction
from service.engines.local._lexicon import lexicon
from service.engines.local_engine import CHUNK_CHARS, LocalEngine, paragraph_chunks


def fixed(text: str, **kwargs: object) -> str:
    result: Refinement = refine(text, "spelling", **kwargs)  # type: ignore[arg-type]
    again = refine(result.text, "spelling", **kwargs)  # type: ignore[arg-type]
    assert again.text == result.text, "spelling is idempotent"
    for edit in result.edits:
        assert text[edit.start : edit.end] == edit.before
        assert edit.rule == "spelling.typo"
    return result.text


def unchanged(text: str, **kwargs: object) -> None:
    assert fixed(text, **kwargs) == text


# The typo list the thresholds were measured on: (typo, correction or None when
# the choice is not clear enough to make).
TYPOS = [
    ("teh", "the"),
    ("recieve", "receive"),
    ("seperate", "separate"),
    ("occured", "occurred"),
    ("definately", "definitely"),
    ("accomodate", "accommodate"),
    ("becuase", "because"),
    ("untill", "until"),
    ("adress", "address"),
    ("beleive", "believe"),
    ("thier", "their"),
    ("begining", "beginning"),
    ("existance", "existence"),
    ("independant", "independent"),
    ("occurence", "occurrence"),
    ("acheive", "achieve"),
    ("embarass", "embarrass"),
    ("occassion", "occasion"),
    ("sucess", "success"),
    ("hte", "the"),
    ("taht", "that"),
    ("jsut", "just"),
    ("freind", "friend"),
    ("pricacy", "privacy"),
    ("mainained", "maintained"),
    ("auxilliary", "auxiliary"),
    ("wich", None),  # "which", "with", "witch": no clear winner
    ("wierd", None),  # "weird" or "wired"
    ("truely", None),  # reads as "true" + "ly"
    ("tounge", None),  # two slips from "tongue"
]


@pytest.mark.parametrize(("typo", "meant"), TYPOS)
def test_the_typo_list(typo: str, meant: str | None) -> None:
    assert correction(typo) == meant


def test_typos_in_a_sentence_are_corrected_in_place() -> None:
    text = "The board will recieve the quarterly report on Friday, as agreed with the auditors."
    assert fixed(text) == text.replace("recieve", "receive")
    assert fixed("We definately need more time for the migration work this quarter.") == (
        "We definitely need more time for the migration work this quarter."
    )


def test_a_capitalised_first_word_keeps_its_capital() -> None:
    assert fixed("Teh meeting starts at noon in the main hall.") == (
        "The meeting starts at noon in the main hall."
    )
    assert fixed("It rained. Thier car stayed in the garage all week.") == (
        "It rained. Their car stayed in the garage all week."
    )


def test_all_capitals_are_left() -> None:
    unchanged("Please RECIEVE the parcel at the front desk before noon.")


def test_british_and_american_spellings_both_stand() -> None:
    pairs = [
        ("colour", "color"),
        ("organise", "organize"),
        ("travelled", "traveled"),
        ("centre", "center"),
        ("analyse", "analyze"),
        ("defence", "defense"),
        ("catalogue", "catalog"),
        ("programme", "program"),
        ("dialled", "dialed"),
        ("paediatric", "pediatric"),
        ("manoeuvre", "maneuver"),
        ("judgement", "judgment"),
        ("serialise", "serialize"),
        ("fulfil", "fulfill"),
    ]
    lex = lexicon()
    for british, american in pairs:
        assert lex.knows(british), british
        assert lex.knows(american), american
        unchanged(f"The {british} and the {american} were both on the list for the review.")


def test_a_british_typo_is_not_made_american() -> None:
    # "colur" is one slip from "color" and from "colour": no clear winner.
    unchanged("The colur of the new logo was agreed by the whole team in March.")


def test_a_story_keeps_its_spellings_but_not_its_slips() -> None:
    """In fiction a dropped or changed letter may be the period's spelling ("doating")."""
    scene = (
        '"Come in," said he. She looked at him and felt that he was tired. '
        '"You are late," she replied, and he thought she was cross with him. '
        "He had walked from the town, and his boots were wet; she was glad of it. "
    )
    story = scene * 6 + "She was a doating aunt, and he had been told so in secresy. "
    story += "Then she cried that they would recieve no one that day.\n"
    assert fixed(story) == story.replace("recieve", "receive")
    # Outside a story the same slips are corrected as usual.
    assert fixed("The parcel was sent in secresy to the office.") == (
        "The parcel was sent in secrecy to the office."
    )


def test_a_word_used_twice_is_left() -> None:
    unchanged("The frobnicator runs nightly. Each frobnicatr reads the queue first.")
    text = "We recieve orders daily and we recieve payments weekly from the bank."
    unchanged(text)
    # Counted over the whole document, whatever the case.
    unchanged("Recieve it here.\n\nThen we recieve the second batch in the afternoon.")


def test_the_document_counts_reach_every_piece() -> None:
    """A word used once per piece but twice in the document is left in both pieces."""
    filler = "The team met on Monday to plan the week ahead and agreed on the tasks.\n\n"
    document = "We recieve it first.\n\n" + filler * 2000 + "Later we recieve the rest.\n"
    pieces = list(paragraph_chunks(document))
    assert len(pieces) > 1
    assert len(document) > CHUNK_CHARS
    words = vocabulary(document)
    assert "recieve" in words.repeated
    out = "".join(refine(p, "spelling", vocabulary=words).text for _, p in pieces)
    assert out == document
    assert refine(document, "spelling").text == document


def test_names_are_left() -> None:
    unchanged("We met Jonh and Goverment Holdings at the station in the morning.")
    unchanged("The report was written by Maria Recieve last spring for the committee.")


def test_identifiers_are_left() -> None:
    for identifier in (
        "recieve_data",
        "recieveData",
        "RecieveData",
        "config.recieve",
        "recieve.timeout",
        "recieve2",
        "v2recieve",
        "pre-recieve",
        "recieve/all",
        "#recieve",
        "@recieve",
    ):
        unchanged(f"Set {identifier} before the first run of the nightly build job.")


def test_code_links_and_addresses_are_left() -> None:
    unchanged("Call `recieve()` before the first run of the nightly build job.")
    unchanged("Read https://example.com/recieve before the first run of the build.")
    unchanged("Write to recieve@example.com before the first run of the build.")
    unchanged("See [the notes](docs/recieve.md) before the first run of the build.")
    unchanged("The code:\n\n```\nrecieve = 1\n```\n\nruns before the first nightly build.")
    unchanged("The code::\n\n    recieve = 1\n\nruns before the first nightly build.")


def test_quotations_are_left() -> None:
    unchanged('He wrote "we recieve nothing" in the letter he sent to the board.')


def test_words_with_apostrophes_are_left() -> None:
    unchanged("The recieve's flag and o'recieve were set by the build before the run.")


def test_a_requested_dictionary_protects_its_words() -> None:
    text = "The frobnicatr and the colour both ship with the release in the spring."
    words = vocabulary(text, ["Frobnicatr"])
    assert fixed(text, vocabulary=words) == text
    text = "Please recieve the parcel at the front desk before noon on Monday."
    unchanged(text, vocabulary=vocabulary(text, ["recieve"]))


def test_foreign_paragraphs_are_left_whole() -> None:
    for paragraph in (
        "Le chat dort sur le canapé pendant que les enfants jouent dans le jardin, teh.",
        "Der Hund läuft schnell über die Wiese und bellt laut, teh und recieve.",
        "El perro corre rápidamente por el parque y ladra mucho, recieve.",
        "Gallia est omnis divisa in partes tres, quarum unam incolunt Belgae, recieve.",
        "Это recieve текст на русском языке.",
        "これは teh 日本語の文章です。",
        "The word λόγος and the recieve stand side by side in the draft.",
    ):
        unchanged(paragraph)


def test_unknown_words_next_to_each_other_are_left() -> None:
    unchanged("When they get tiwed of wunning awound the yard, the wabbits rest.")


def test_jargon_is_not_taken_for_typos() -> None:
    for word in ("dicts", "struct", "stdin", "stdio", "modulo", "refcount", "closefd", "codecs"):
        assert correction(word) is None, word
    for word in ("parens", "lstrip", "xoptions", "gunicorn", "fflags", "hardwire", "matchings"):
        assert correction(word) is None, word


# bad input


def test_bad_input_comes_back_whole() -> None:
    unchanged("")
    unchanged("a" * 200_000)  # one word, no spaces
    unchanged("recieve" * 10_000)
    controls = "Tab\there\x00and\x07bell\x1b[0m recieve\u202e and more words here."
    assert fixed(controls) == controls.replace("recieve", "receive")
    big = ("The team will meet on Monday to plan the next release of the product. " * 70_000)[
        :5_000_000
    ]
    assert fixed(big + " We definately agree.") == big + " We definitely agree."


# properties

_FOREIGN_CANDIDATES = (
    "maison voiture enfants jardin pommes soir hund wiese bellt gestern perro parque ladra "
    "playa gatto divano bambini giardino libro λόγος καλημέρα привет мир"
)
_FOREIGN_WORDS = [w for w in _FOREIGN_CANDIDATES.split() if not lexicon().knows(w)]
_FOREIGN = st.sampled_from([*_FOREIGN_WORDS, "the", "and", "teh", "recieve", "definately"])
_ENGLISH_WORDS = (
    "the team will meet on monday to plan release product and we recieve teh definately "
    "seperate colour color organise travelled report"
)
_ENGLISH = st.sampled_from(_ENGLISH_WORDS.split())


@settings(max_examples=60, deadline=None)
@given(words=st.lists(_FOREIGN, min_size=4, max_size=30))
def test_a_foreign_paragraph_is_never_changed(words: list[str]) -> None:
    text = " ".join(words)
    foreign = sum(1 for w in words if w in _FOREIGN_WORDS)
    if foreign * 2 > len(words):  # a paragraph mostly in other languages
        unchanged(text)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(_ENGLISH, min_size=1, max_size=40), code=_ENGLISH)
def test_idempotent_and_protected_spans_untouched(words: list[str], code: str) -> None:
    text = " ".join(words) + f" `{code} teh` and https://example.com/{code}/recieve end."
    out = fixed(text)
    assert out.endswith(f" `{code} teh` and https://example.com/{code}/recieve end.")


# the service path: a document in pieces, the request's and the deployment's words


async def _run_pass(engine: LocalEngine, text: str, **options: Any) -> str:
    outcome = await engine.run_pass(text, "spelling", PassOptions(**options), lambda *_: None)
    return outcome.text


async def test_the_service_path_matches_the_whole_text_and_is_idempotent() -> None:
    filler = "The team met on Monday to plan the week ahead and agreed on the tasks.\n\n"
    document = (
        "We recieve it first.\n\n"
        + filler * 1500
        + "We definately agree.\n\n"
        + filler * 1500
        + "Later we recieve the rest.\n"
    )
    assert len(list(paragraph_chunks(document))) > 2
    engine = LocalEngine()
    once = await _run_pass(engine, document)
    assert once == refine(document, "spelling").text
    assert "We definitely agree." in once
    assert once.count("recieve") == 2, "used twice in the document, in two pieces"
    assert await _run_pass(engine, once) == once


async def test_the_request_and_deployment_words_reach_every_piece() -> None:
    filler = "The team met on Monday to plan the week ahead and agreed on the tasks.\n\n"
    document = filler * 1500 + "We definately agree and will recieve it.\n"
    assert len(list(paragraph_chunks(document))) > 1
    ours = await _run_pass(LocalEngine(), document, dictionary=frozenset({"recieve"}))
    assert ours.endswith("We definitely agree and will recieve it.\n")
    theirs = await _run_pass(LocalEngine(frozenset({"definately"})), document)
    assert theirs.endswith("We definately agree and will receive it.\n")


def test_many_typos_in_one_huge_paragraph() -> None:
    """Each typo of a 5 MB paragraph is found in one scan, not one scan per typo."""
    typos = {"recieve": "receive", "definately": "definitely", "seperate": "separate"}
    words = ("The team will meet on Monday to plan the next release of the product. " * 70_000)[
        :5_000_000
    ].split(" ")
    for i, typo in enumerate(typos):
        words[(i + 1) * 100_000] = typo
    text = " ".join(words)
    out = fixed(text)
    for typo, meant in typos.items():
        assert typo not in out
        assert meant in out


_PIECE_WORDS = (
    "the team will meet on monday to plan release product and we recieve teh definately "
    "seperate colour color organise travelled report Maria `recieve` https://x.io/teh "
    "maison jardin λόγος"
)
_PARAGRAPH_WORDS = st.lists(st.sampled_from(_PIECE_WORDS.split()), min_size=3, max_size=25)


@settings(max_examples=15, deadline=None)
@given(paragraphs=st.lists(_PARAGRAPH_WORDS.map(" ".join), min_size=2, max_size=6))
def test_pieces_give_what_the_whole_gives(paragraphs: list[str]) -> None:
    """Through the service's pieces, as on the whole text, and a second pass changes nothing."""
    filler = "The team met on Monday to plan the week ahead and agreed on the tasks.\n\n"
    document = (filler * 400).join(p + "\n\n" for p in paragraphs)
    pieces = list(paragraph_chunks(document))
    words = vocabulary(document)
    out = "".join(refine(p, "spelling", vocabulary=words).text for _, p in pieces)
    assert out == refine(document, "spelling").text
    second = vocabulary(out)  # a second pass counts its own input
    again = "".join(refine(p, "spelling", vocabulary=second).text for _, p in paragraph_chunks(out))
    assert again == out
