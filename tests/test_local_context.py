"""Context checks of plain and concise swaps, terms of art, genre detection and office phrases.

Each wrong edit once made on real prose has a regression test here, built
from a sentence of the same shape, next to a sentence where the same rule
is right, so that a fix never simply switches the rule off.
"""

from __future__ import annotations

import pytest

from service.engines.base import PassOptions
from service.engines.local import refine, suits_automatic_plan
from service.engines.local._genre import reads_as_contract, reads_as_fiction
from service.engines.local._terms import in_term
from service.engines.local_engine import LocalEngine

CONTRACT = (
    "SERVICES AGREEMENT\n\n"
    "1.1 The Supplier shall provide the Services to the Customer in accordance with this "
    "Agreement.\n\n"
    "1.2 The Customer shall pay the Fees. Fees are payable per annum in advance of the "
    "Commencement Date.\n\n"
    "1.3 Either Party may terminate this Agreement on written notice if the other Party "
    "commits a material breach. The Supplier shall commence the Services on the "
    "Commencement Date and shall not be liable for any delay caused by the Customer.\n\n"
    "1.4 Any notice shall be deemed to have been received on the second Business Day after "
    "posting.\n"
)
STORY = (
    "The rain had not stopped since morning, and Martha stood at the window a long while. "
    '"He will not come," she said at last. "He never does when the roads are bad."\n\n'
    "Her brother looked up from his book. He had heard her say it a hundred times, and he "
    'had learned to let it pass. "Then we shall have the pie to ourselves," he replied, '
    "and she laughed in spite of herself. She was glad he was there; she had felt the "
    "house too quiet all winter, and she had thought more than once of writing to him.\n\n"
    "When the knock came at last, it was not the visitor they had expected. A boy stood "
    "on the step with a letter, and he held it out to her without a word. She took it, "
    "looked at the hand, and knew it at once. Her brother watched her face as she read, "
    "and he saw it change. She folded the letter and put it in her pocket, and she said "
    "nothing of it that evening, though he asked her twice."
)
MANUAL = (
    "Configuration\n=============\n\nThe server reads its settings from the environment. "
    "Set ``REFINER_PORT`` to change the port; the default is 8000. Use the ``--reload`` "
    "option during development so that code changes take effect at once.\n\n"
    "To run the tests, install the development dependencies and call ``make test``. "
    "The suite starts a real server on a free loopback port for its end-to-end tests."
) * 3


def plain(text: str) -> str:
    return refine(text, "plain").text


def concise(text: str) -> str:
    return refine(text, "concise").text


# Wrong edits once made, each as a sentence of the same shape: left alone.
@pytest.mark.parametrize(
    "text",
    [
        "The Hales were a numerous household.",  # adjective after an article
        "Their guests were too numerous for the small parlour.",
        "His dinners were numerous enough for anyone.",
        "The committee will inquire into the accounts.",
        "She enquired of the porter where the coach stopped.",
        "Her endeavours to please him went unnoticed.",  # a noun, not a verb
        "It was her constant endeavour to appear calm.",
        "We will facilitate a settlement between the parties.",
        "Sales approximately doubled in the spring.",  # before a verb
        "Mr Hale is the beneficial owner of the shares.",
        "The board resolved to retain counsel.",
        "The retaining wall along the lane was rebuilt.",
        "He gave her an inquiring look.",
        "She sent a few enquiring friends away.",
        "It was a fact ascertained to the family by a letter.",
        "Such a scheme must comprehend every parish.",
        "He had obtained leave to go.",  # "got" or "gotten"
        "He looked at the initiated with envy.",
    ],
)
def test_plain_leaves_a_word_its_context_rules_out(text: str) -> None:
    assert plain(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "She was the last of all the guests to leave.",
        "The delay, being due to the fact that the road was shut, cost a day.",
        "The delay was due to the fact that the road was shut.",
        "He has travelled a great deal of late.",
        "The plan is not a bad one in and of itself.",
        "She had to repeat again and again that she was well.",
        "Rules apply in the yard at all times.",
        "The results for the interim period are attached.",
        "He moved the chairs, so as to make room.",
    ],
)
def test_concise_leaves_a_phrase_whose_removal_would_not_parse(text: str) -> None:
    assert concise(text) == text


def test_a_grid_table_keeps_its_widths() -> None:
    """A word of another length inside a reST grid table would move its right border."""
    table = (
        "+--------+-----------------------------------+\n"
        "| kind   | what happens                      |\n"
        "+========+===================================+\n"
        "| letter | the parcel is transmitted at once |\n"
        "|        | in order to arrive subsequently.  |\n"
        "+--------+-----------------------------------+\n"
    )
    text = "The courier transmitted it.\n\n" + table
    assert plain(text) == "The courier sent it.\n\n" + table
    assert concise(table) == table


def test_a_changed_obligation_is_not_made_in_a_contract() -> None:
    text = CONTRACT
    after = plain(concise(text))
    assert "payable per annum in advance of the Commencement Date" in after
    assert "shall commence the Services" in after, "a settled word stays in a contract"
    assert "deemed to have been received" in after


# The same rules where they are right.
@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("She endeavoured to smile.", "She tried to smile."),
        ("He endeavours to help.", "He tries to help."),
        ("They will endeavour to call.", "They will try to call."),
        ("The script ascertains whether the file exists.", "The script finds out whether"),
        ("The test has demonstrated the fault.", "The test has shown the fault."),
        ("It demonstrated the fault.", "It showed the fault."),
        ("The fault was demonstrated twice.", "The fault was shown twice."),
        ("Turnover rose approximately 8% this year.", "Turnover rose about 8% this year."),
        ("We reviewed numerous reports.", "We reviewed many reports."),
        ("She was inquiring whether the train had left.", "She was asking whether"),
        ("She could not comprehend his anger.", "She could not understand his anger."),
        ("I will assist them tomorrow.", "I will help them tomorrow."),
        ("We anticipate that costs will fall.", "We expect that costs will fall."),
        ("We utilized the cache.", "We used the cache."),
        ("Utilizing tools helps.", "Using tools helps."),
        ("Frequently, the server restarts.", "Often, the server restarts."),
    ],
)
def test_plain_swaps_with_the_right_inflection(before: str, after: str) -> None:
    assert plain(before).startswith(after)


def test_a_settled_legal_word_is_swapped_outside_a_contract() -> None:
    assert plain("The show will commence at eight.") == "The show will start at eight."
    assert "shall commence" in plain(CONTRACT)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Last of all, we locked the door.", "Last, we locked the door."),
        ("First of all, check the cable.", "First, check the cable."),
        ("The road closed due to the fact that it flooded.", "The road closed because it"),
        ("You must at all times wear a helmet.", "You must always wear a helmet."),
        ("In the interim, use the old form.", "Meanwhile, use the old form."),
        ("She spent a great deal of the money.", "She spent much of the money."),
    ],
)
def test_concise_removes_a_phrase_where_the_sentence_still_parses(before: str, after: str) -> None:
    assert concise(before).startswith(after)


# Office phrases.
@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Please note that the office closes at five.", "The office closes at five."),
        ("Hello. Please note that the office closes.", "Hello. The office closes."),
        ("For your information, the report is attached.", "The report is attached."),
        ("Please reply at your earliest convenience.", "Please reply as soon as you can."),
        ("At your earliest convenience, call me.", "As soon as you can, call me."),
        (
            "We would like to take this opportunity to thank you.",
            "We would like to thank you.",
        ),
        ("Please do not hesitate to call me.", "Please call me."),
        ("We are writing to let you know that prices will rise.", "Prices will rise."),
        ("It should be noted that fees are due.", "Fees are due."),
    ],
)
def test_office_phrases(before: str, after: str) -> None:
    assert concise(before) == after


@pytest.mark.parametrize(
    "text",
    [
        "Please note that John will call.",  # the next word is a name: no capital to move
        "You should, please note that, stay.",  # not at a sentence's start
        "I attach it for your information.",
        "Please note the new address.",
    ],
)
def test_office_phrases_left_where_removal_would_not_read(text: str) -> None:
    assert concise(text) == text


def test_office_phrase_inside_a_quotation_or_code_stays() -> None:
    text = 'He wrote "please note that the door sticks" and `please note that` too.'
    assert concise(text) == text


# Terms of art.
@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("He is the beneficial owner of it.", "beneficial"),
        ("We shall retain counsel today.", "retain"),
        ("Pay per annum in arrears.", "per"),
        ("A payment in lieu of notice.", "lieu"),
        ("Use best endeavours to deliver.", "endeavours"),
        ("Behind the retaining wall.", "retaining"),
    ],
)
def test_terms_of_art_cover_their_words(text: str, word: str) -> None:
    start = text.index(word)
    assert in_term(text, text.lower(), start, start + len(word))


def test_a_word_outside_a_term_is_free() -> None:
    text = "The owner was helpful; we retain copies."
    start = text.index("retain")
    assert not in_term(text, text.lower(), start, start + len("retain"))


# Genre.
def test_genre_detection() -> None:
    assert reads_as_contract(CONTRACT)
    assert not reads_as_fiction(CONTRACT)
    assert reads_as_fiction(STORY)
    assert not reads_as_contract(STORY)
    assert not reads_as_contract(MANUAL)
    assert not reads_as_fiction(MANUAL)
    assert not reads_as_contract("The tenant shall pay.")  # too short to tell


def test_the_automatic_plan_skips_plain_for_contracts_and_fiction_only() -> None:
    assert not suits_automatic_plan(CONTRACT, "plain")
    assert not suits_automatic_plan(STORY, "plain")
    assert suits_automatic_plan(MANUAL, "plain")
    assert suits_automatic_plan(CONTRACT, "concise")


async def test_the_engine_skips_plain_only_when_the_plan_was_automatic() -> None:
    story = STORY.replace("had thought more", "frequently thought more")
    engine = LocalEngine()
    automatic = await engine.run_pass(
        story, "plain", PassOptions(automatic=True), lambda done, total, delta: None
    )
    assert automatic.text == story
    assert automatic.edits == ()
    named = await engine.run_pass(story, "plain", PassOptions(), lambda done, total, delta: None)
    assert "often thought more" in named.text
    manual = MANUAL.replace("at once", "frequently")
    kept = await engine.run_pass(
        manual, "plain", PassOptions(automatic=True), lambda done, total, delta: None
    )
    assert "often" in kept.text
