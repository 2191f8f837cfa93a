"""The ``normalize`` strategy, rule by rule: the slips it fixes and the look-alikes it leaves.

Every case is a pair (before, after); a trap is a pair whose two sides are equal.
"""

from __future__ import annotations

import pytest

from service.engines.base import PassOptions
from service.engines.edits import Refinement
from service.engines.local import RULES, refine
from service.engines.local_engine import CHUNK_CHARS, LocalEngine, paragraph_chunks


def check(text: str) -> Refinement:
    """Normalize ``text``, checking the edit contract and that a second run changes nothing."""
    result = refine(text, "normalize")
    pos = 0
    parts = []
    for edit in result.edits:
        assert edit.start >= pos
        assert text[edit.start : edit.end] == edit.before
        assert RULES[edit.rule].category == edit.category
        parts += [text[pos : edit.start], edit.after]
        pos = edit.end
    parts.append(text[pos:])
    assert "".join(parts) == result.text
    assert result.text.count("\n") == text.count("\n")
    assert refine(result.text, "normalize").text == result.text
    return result


def out(text: str) -> str:
    return check(text).text


def rules_used(text: str) -> set[str]:
    return {edit.rule for edit in check(text).edits}


def cases(*pairs: tuple[str, str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("before", "after"), pairs)


async def service_pass(text: str) -> str:
    outcome = await LocalEngine().run_pass(
        text, "normalize", PassOptions(), lambda done, total, delta: None
    )
    return outcome.text


# extra_space ---------------------------------------------------------------


@cases(
    ("My cat likes  fish and  milk a lot.", "My cat likes fish and milk a lot."),
    ("The letter was signed by  Mary.", "The letter was signed by Mary."),
    ("Read the  Annual  Review today.", "Read the Annual Review today."),
    ("Three   spaces and    four here.", "Three spaces and four here."),
    ("After a comma,  and a semicolon;  too.", "After a comma, and a semicolon; too."),
    (
        "It rained.  We stayed in. It was cold. We slept.",
        "It rained. We stayed in. It was cold. We slept.",
    ),
    (
        "Done.  Then we left.  Later. Home again. Bed. Up.",
        "Done. Then we left. Later. Home again. Bed. Up.",
    ),
    ("She left (quietly)  and  shut the door.", "She left (quietly) and shut the door."),
)
def test_extra_space_collapses_gaps_in_prose(before: str, after: str) -> None:
    assert out(before) == after


# An index whose last column goes on a line of its own when the entry is long.
_INDEX = (
    "* margins:              Page Setup.      (line  50)\n"
    "* paper sizes:          Page Setup.      (line  74)\n"
    "* printing a draft, quickly and on both sides:\n"
    "                                         (line  912)\n"
    "* queues:               Print Queues.    (line 1204)\n"
)


@cases(
    ("    indented  code line", "    indented  code line"),
    ("```\nfoo  bar\n```\n", "```\nfoo  bar\n```\n"),
    ("Run `a  b` now.", "Run `a  b` now."),
    ("| col  one | two |\n|---|---|\n", "| col  one | two |\n|---|---|\n"),
    (
        "city     people\nParis    2100000\nLyon     520000\n",
        "city     people\nParis    2100000\nLyon     520000\n",
    ),
    ("Total       1,234\nTax           123\n", "Total       1,234\nTax           123\n"),
    ("1.  First point here\n2.  Second point", "1.  First point here\n2.  Second point"),
    ("-  a dash item", "-  a dash item"),
    ("#  Heading with a gap", "#  Heading with a gap"),
    ("x = 1  # the comment", "x = 1  # the comment"),
    ("One.  Two here.  Three there.  Four.", "One.  Two here.  Three there.  Four."),
    (
        "WIDTH num          the width of the page\n\nNAME               the name of the list\n",
        "WIDTH num          the width of the page\n\nNAME               the name of the list\n",
    ),
    (
        "  questions and answers:      the help desk\n"
        "  bugs, crashes and the like: the bug tracker\n",
        "  questions and answers:      the help desk\n"
        "  bugs, crashes and the like: the bug tracker\n",
    ),
    (
        _INDEX,
        _INDEX,
    ),
)
def test_extra_space_keeps_layout(before: str, after: str) -> None:
    assert out(before) == after


def test_two_spaces_between_sentences_kept_when_the_text_uses_them() -> None:
    text = "We met.  It went well.  Next week we  meet again.  Then we decide."
    assert out(text) == "We met.  It went well.  Next week we meet again.  Then we decide."
    assert out("It was late.   We went home.  The end.") == "It was late.  We went home.  The end."


async def test_sentence_spacing_is_decided_once_for_a_long_document() -> None:
    """Pieces of 64 KB decided apart would disagree: the majority of the whole rules."""
    single = "The team met on Monday. It agreed the plan. Work starts.  Soon it ends.\n\n"
    double = "The board met on Friday.  It approved the budget.  Spending starts.\n\n"
    head = single * (2 * CHUNK_CHARS // len(single))
    text = head + double * 100
    pieces = [piece for _, piece in paragraph_chunks(text)]
    assert len(pieces) > 2
    assert ".  " in pieces[-1]
    once = await service_pass(text)
    assert ".  " not in once, "one space between sentences, as most of the document has"
    assert once == out(text)
    assert await service_pass(once) == once


async def test_a_second_service_pass_changes_nothing() -> None:
    para = (
        "It works.  We ship it.  Then we rest,and then we plan . the next one starts.\n\n"
        "```\ncode  stays.  as it is\n\nstill code  here.\n```\n\n"
        "    indented  block\n\n"
        "Another paragraph with  gaps. and a '90s tune.  Done.\n\n"
    )
    text = para * (3 * CHUNK_CHARS // len(para))
    once = await service_pass(text)
    assert once == refine(text, "normalize").text
    assert await service_pass(once) == once


def test_a_piece_never_starts_inside_code() -> None:
    fence = "```\n" + "x  =  1\n\n" * (CHUNK_CHARS // 8) + "```\n\nAfter  the fence.\n"
    pieces = list(paragraph_chunks("Intro.\n\n" + fence, size=1000))
    for offset, piece in pieces[1:]:
        assert piece.startswith("After"), (offset, piece[:20])


# space_before_punct ----------------------------------------------------------


@cases(
    ("We missed . The bus left.", "We missed. The bus left."),
    ("It ended here .\nNext line.", "It ended here.\nNext line."),
    ("It is late , and dark.", "It is late, and dark."),
    ("Paris , France is far.", "Paris, France is far."),
    ("Stop here ; then go.", "Stop here; then go."),
    ("Is it true ? Yes.", "Is it true? Yes."),
)
def test_space_before_punct_removed(before: str, after: str) -> None:
    assert out(before) == after


@cases(
    ("Copy the .env file and add .5 to it.", "Copy the .env file and add .5 to it."),
    ("To try it, run docker build .\n", "To try it, run docker build .\n"),
    ("Use `ls .` to look.", "Use `ls .` to look."),
    ("Wait ... what?", "Wait ... what?"),
    ("A ; B", "A ; B"),
    ("the && and ! operators", "the && and ! operators"),
)
def test_space_before_punct_traps(before: str, after: str) -> None:
    assert out(before) == after


# missing_space -------------------------------------------------------------


@cases(
    ("I came early,and I left late.", "I came early, and I left late."),
    ("We stayed;then we left.", "We stayed; then we left."),
    ("Remember this:the door sticks.", "Remember this: the door sticks."),
    ("It was the end.The next day came.", "It was the end. The next day came."),
    ("The rain stopped.We went out.", "The rain stopped. We went out."),
)
def test_missing_space_added(before: str, after: str) -> None:
    assert out(before) == after


@cases(
    ("Pi is 3.14 and 1,000 people came at 10:30.", "Pi is 3.14 and 1,000 people came at 10:30."),
    (
        "See https://example.org/a,the and me@mail.example.",
        "See https://example.org/a,the and me@mail.example.",
    ),
    ("Call os.path and e.g.The and U.S.A. here.", "Call os.path and e.g.The and U.S.A. here."),
    ("Version v1.2 reads notes.txt today.", "Version v1.2 reads notes.txt today."),
    ("Subclass models.Model and Node.It too.", "Subclass models.Model and Node.It too."),
    ("Plot x,y and set key:value here.", "Plot x,y and set key:value here."),
    ("Tags are red,green and blue.", "Tags are red,green and blue."),
    ("Use std::the_thing and a:b:c paths.", "Use std::the_thing and a:b:c paths."),
)
def test_missing_space_traps(before: str, after: str) -> None:
    assert out(before) == after


# doubled_word --------------------------------------------------------------


@cases(
    ("We saw the the cat.", "We saw the cat."),
    ("The the cat sat.", "The cat sat."),
    ("It is a a test.", "It is a test."),
    ("We gave Team A a lead.", "We gave Team A a lead."),
    ("Take vitamin A a day.", "Take vitamin A a day."),
    ("Plan B b comes next.", "Plan B b comes next."),
    ("The band The The played.", "The band The The played."),
    ("Go to To the point.", "Go to To the point."),
)
def test_doubled_word(before: str, after: str) -> None:
    assert out(before) == after


# quotes --------------------------------------------------------------------

_CURLY = "She said \u201cyes\u201d and \u201cno\u201d, and it\u2019s done. "
_STRAIGHT = 'She said "yes" and "no", and it\'s done. '


@cases(
    ("The '90s gave us rock 'n' roll.", "The \u201990s gave us rock \u2019n\u2019 roll."),
    ("'Tis true, so tell 'em.", "\u2019Tis true, so tell \u2019em."),
    ("The \u201890s were 'great'.", "The \u201990s were \u2018great\u2019."),
)
def test_leading_apostrophes_in_curly_text(before: str, after: str) -> None:
    assert out(_CURLY + before) == _CURLY + after


@cases(
    ("The \u201890s gave us rock \u2019n\u2019 roll.", "The '90s gave us rock 'n' roll."),
    ("The '60s and 'em stay.", "The '60s and 'em stay."),
)
def test_leading_apostrophes_in_straight_text(before: str, after: str) -> None:
    assert out(_STRAIGHT + before) == _STRAIGHT + after


# sentence_capital ----------------------------------------------------------


@cases(
    ("the rain stopped at noon and we went out.", "The rain stopped at noon and we went out."),
    ("We waited for an hour. then the bus came.", "We waited for an hour. Then the bus came."),
    ("Is it ready for us? we hope so, and soon.", "Is it ready for us? We hope so, and soon."),
    ("It was late, I said. i think we should go.", "It was late, I said. I think we should go."),
    (
        "The first part ends here.\n\nthe second part starts with this line.",
        "The first part ends here.\n\nThe second part starts with this line.",
    ),
    (
        "The meeting ran long and went\nwell. we left at six in the evening.",
        "The meeting ran long and went\nwell. We left at six in the evening.",
    ),
)
def test_sentence_capital_fixed(before: str, after: str) -> None:
    assert out(before) == after


@cases(
    (
        "We use the flag, e.g. the verbose one, for this.",
        "We use the flag, e.g. the verbose one, for this.",
    ),
    (
        "The office in the U.S. is where we met them.",
        "The office in the U.S. is where we met them.",
    ),
    ("See Dr. Smith and J. the elder at the door.", "See Dr. Smith and J. the elder at the door."),
    (
        "Buy it now. iPhone owners love it, they say.",
        "Buy it now. iPhone owners love it, they say.",
    ),
    (
        "Run the tests first. ls shows the files there.",
        "Run the tests first. ls shows the files there.",
    ),
    ("Check the version. npm installs it for you.", "Check the version. npm installs it for you."),
    ("It weighs 5 kg. km is the unit we use here.", "It weighs 5 kg. km is the unit we use here."),
    (
        "The build is done. zlib is linked in as well.",
        "The build is done. zlib is linked in as well.",
    ),
    (
        "Run this command::\n\n    make all\n\nthen the tests run.",
        "Run this command::\n\n    make all\n\nthen the tests run.",
    ),
    (
        "Start it with this:\n\nthe service then answers on the port.",
        "Start it with this:\n\nthe service then answers on the port.",
    ),
    (
        "- the first item is here.\n- the second item is here.",
        "- the first item is here.\n- the second item is here.",
    ),
    ("We went home. `the` is a keyword here.", "We went home. `the` is a keyword here."),
    (
        "We saw it on Yahoo! the site was slow to load.",
        "We saw it on Yahoo! the site was slow to load.",
    ),
    ("It was fine (really!) in the end, we think.", "It was fine (really!) in the end, we think."),
    ("the && and || operators", "the && and || operators"),
    ("Use my_func. the_value is set by it.", "Use my_func. the_value is set by it."),
    (
        "We met. \u201cthe end\u201d was near, they said. And so on.",
        "We met. \u201cthe end\u201d was near, they said. And so on.",
    ),
    ("Min. dist. from the edge is small.", "Min. dist. from the edge is small."),
    (
        "He had won her over; but, alas! she was not so easy to keep.",
        "He had won her over; but, alas! she was not so easy to keep.",
    ),
    (
        "The cough, the shrug, the sigh! of boredom told us all we needed.",
        "The cough, the shrug, the sigh! of boredom told us all we needed.",
    ),
    (
        "We talked of the plan and alas! how little we had to show for it.",
        "We talked of the plan and alas! how little we had to show for it.",
    ),
    (
        "Could we not end the night with a song? had been his wish all along.",
        "Could we not end the night with a song? had been his wish all along.",
    ),
)
def test_sentence_capital_traps(before: str, after: str) -> None:
    assert out(before) == after


@pytest.mark.parametrize(
    "text",
    [
        "Das Wetter ist heute schön. wir gehen in die Stadt und kaufen ein.",
        "Il fait beau aujourd'hui. nous allons en ville avec les enfants.",
        "Hace buen tiempo hoy. vamos a la ciudad con los amigos.",
    ],
)
def test_sentence_capital_leaves_other_languages(text: str) -> None:
    assert out(text) == text


# article -------------------------------------------------------------------


@cases(
    ("We waited for a hour at the door.", "We waited for an hour at the door."),
    ("There was an user at the door.", "There was a user at the door."),
    ("It is an unique chance for the team.", "It is a unique chance for the team."),
    ("He is a honest man with a plan.", "He is an honest man with a plan."),
    ("We ate a apple on the way to the shop.", "We ate an apple on the way to the shop."),
    ("She is an European in the team.", "She is a European in the team."),
    ("It was an one-off for the team.", "It was a one-off for the team."),
    ("He is a FBI agent with a badge.", "He is an FBI agent with a badge."),
    ("Paste an URL into the box.", "Paste a URL into the box."),
    ("Take a x-ray of the arm.", "Take an x-ray of the arm."),
    ("A hour went by for the team.", "An hour went by for the team."),
    ("An user came to the door of the house.", "A user came to the door of the house."),
    ("It was a uninstall step for the team.", "It was an uninstall step for the team."),
)
def test_article_fixed(before: str, after: str) -> None:
    assert out(before) == after


@cases(
    (
        "It is a one-off, an honest man and a URL for the team.",
        "It is a one-off, an honest man and a URL for the team.",
    ),
    (
        "She is a European with an MBA and a unicorn for the team.",
        "She is a European with an MBA and a unicorn for the team.",
    ),
    ("It took an hour and a year for the team.", "It took an hour and a year for the team."),
    ("It was an historic day for the team.", "It was an historic day for the team."),
    ("It was a historic day for the team.", "It was a historic day for the team."),
    ("It is an SQL or a SQL query for the team.", "It is an SQL or a SQL query for the team."),
    (
        "Read it from an mbox or an xterm for the team.",
        "Read it from an mbox or an xterm for the team.",
    ),
    (
        "Choose between a and b or a or c in the list.",
        "Choose between a and b or a or c in the list.",
    ),
    ("We gave Team A an award for the plan.", "We gave Team A an award for the plan."),
    (
        "Set variable a equal to the sum of the rest.",
        "Set variable a equal to the sum of the rest.",
    ),
    (
        "It is a iPhone or an eBay thing for the team.",
        "It is a iPhone or an eBay thing for the team.",
    ),
    ("It is a Uganda trip for the team.", "It is a Uganda trip for the team."),
    ("Call `a apple` from the shell for the team.", "Call `a apple` from the shell for the team."),
    ("Use a_apple and a.apple for the team.", "Use a_apple and a.apple for the team."),
)
def test_article_traps(before: str, after: str) -> None:
    assert out(before) == after


@pytest.mark.parametrize(
    "text",
    [
        "Él va a usted. Va a un amigo. Es a una hora de aquí y no de allá.",
        "Il a une voiture rouge. Elle a un chat et il a eu une idée.",
        "Ich denke an einen Freund und an eine Reise in den Süden.",
    ],
)
def test_article_leaves_other_languages(text: str) -> None:
    assert out(text) == text


# protected markup ------------------------------------------------------------

_SLIPS = "the the  a hour ,and"


@pytest.mark.parametrize(
    "text",
    [
        "See the note[^the the] here.\n\n[^the the]: A note.",
        'Read [the guide][the the] now.\n\n[the the]: https://x.org/a  "the the title"',
        "---\ntitle: the the  test ,and more\nlayout: a hour\n---\n\nThe body.",
        '+++\ntitle = "the the"\n+++\n\nThe body.',
        ":param the the: the value\n:returns: a value",
        "Write {{ the the  a hour }} and {% if the the %}x{% endif %} here.",
        "Write {# the the #} as a comment here.",
        "As shown in \\cite{the the} and \\ref{a hour} and \\label{the  the} here.",
        "Call the_the and TheThe and the.the and aHour here.",
        "Call os.path.join and self.The_value here.",
        "+------+-------------------------+\n| key  | the the value, a hour   |\n"
        "+------+-------------------------+\n",
    ],
)
def test_markup_is_protected(text: str) -> None:
    """Every strategy leaves the slips inside each construct alone."""
    for strategy in ("normalize", "concise", "plain"):
        result = refine(text, strategy)
        for edit in result.edits:
            assert "the the" not in edit.before, (strategy, edit)
            assert "hour" not in edit.before, (strategy, edit)


def test_protected_constructs_keep_their_text() -> None:
    cases_ = {
        "[^the the]": "A note[^the the] here.",
        "][the the]": "A [link][the the] here.",
        "{{ the the }}": "Put {{ the the }} here.",
        "\\cite{a hour}": "As in \\cite{a hour} here.",
        ":param the the:": ":param the the: the the value",
        "snake_case_name": "Use snake_case_name here.",
        "CamelCaseName": "Use CamelCaseName here.",
        "dotted.the.name": "Use dotted.the.name here.",
    }
    for kept, text in cases_.items():
        assert kept in out(text), text


def test_reference_definition_is_protected() -> None:
    text = '[label]: https://example.org/a,the  "A title ,and more"\n'
    assert out(text) == text


def test_front_matter_only_at_the_start() -> None:
    text = "Intro.\n\n---\ntitle: x\n---\n\nWe saw the the cat."
    assert out(text).endswith("We saw the cat.")


def test_field_list_body_is_prose() -> None:
    assert out(":param name: the the value") == ":param name: the value"


# the first paragraphs a new user meets ------------------------------------------

README_FIRST_JOB = "We  need to utilize the the tools in order to commence."
MESSY = (
    "the report is  ready ,and we  checked it twice.I think it is good .\n"
    "We missed a hour of work,but we  made it up . there was a user  who helped."
)


def test_the_readme_first_job_paragraph() -> None:
    assert out(README_FIRST_JOB) == "We need to utilize the tools in order to commence."


def test_a_messy_paragraph_comes_out_clean() -> None:
    assert out(MESSY) == (
        "The report is ready, and we checked it twice. I think it is good.\n"
        "We missed an hour of work, but we made it up. There was a user who helped."
    )
