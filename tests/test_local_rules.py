"""Unit tests for the local rule engine: every rule family, protection and the edit contract."""

from __future__ import annotations

from typing import Any

import pytest

from service.engines.base import PassOptions
from service.engines.edits import Refinement
from service.engines.local import (
    RULES,
    STRATEGIES,
    UnknownRule,
    UnknownStrategy,
    engine,
    follows_house_style,
    refine,
    validate_disabled,
)
from service.engines.local_engine import CHUNK_CHARS, LocalEngine, paragraph_chunks


def check(text: str, strategy: str, **kwargs: object) -> Refinement:
    """Refine and check the edit contract on the way."""
    result = refine(text, strategy, **kwargs)  # type: ignore[arg-type]
    pos = 0
    parts = []
    for edit in result.edits:
        assert edit.start >= pos
        assert text[edit.start : edit.end] == edit.before
        assert edit.rule in RULES
        assert RULES[edit.rule].category == edit.category
        assert edit.reason
        parts += [text[pos : edit.start], edit.after]
        pos = edit.end
    parts.append(text[pos:])
    assert "".join(parts) == result.text
    assert result.text.count("\n") == text.count("\n")
    assert refine(result.text, strategy, **kwargs).text == result.text  # type: ignore[arg-type]
    return result


def out(text: str, strategy: str) -> str:
    return check(text, strategy).text


def test_catalogue() -> None:
    assert list(STRATEGIES)[:4] == ["spelling", "normalize", "concise", "plain"]
    for info in STRATEGIES.values():
        assert info.description
        assert info.categories
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule.strategy in STRATEGIES
        assert rule.category in STRATEGIES[rule.strategy].categories


# normalize ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We saw the the cat.", "We saw the cat."),
        ("The the cat sat.", "The cat sat."),
        ("Go to to the shop.", "Go to the shop."),
        ("It is the the the end.", "It is the end."),
        ("He had had enough.", "He had had enough."),
        ("He said that that was fine.", "He said that that was fine."),
        ("She gave her her keys.", "She gave her her keys."),
        ("The and and or operators.", "The and and or operators."),
        ("Log in in the morning.", "Log in in the morning."),
        ("A band called The The.", "A band called The The."),
    ],
)
def test_doubled_word(before: str, after: str) -> None:
    assert out(before, "normalize") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Stop it!!! Now.", "Stop it! Now."),
        ("Really?? Yes.", "Really? Yes."),
        ("apples,, pears", "apples, pears"),
        ("Wait... what?! No.", "Wait... what?! No."),
        ("Go on;; stop.", "Go on; stop."),
    ],
)
def test_repeated_punct(before: str, after: str) -> None:
    assert out(before, "normalize") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("one  two three", "one two three"),
        ("word , next", "word, next"),
        ("Is it true ?\n", "Is it true?\n"),
        ("It ends.The next one starts.", "It ends. The next one starts."),
        ("trailing   \n\nnext", "trailing\n\nnext"),
        ("break   \nnext", "break   \nnext"),
        ("trailing \nnext", "trailing\nnext"),
        ("hard break  \nnext", "hard break  \nnext"),
        ("Pi is 3.14 and 10:30 is a time.", "Pi is 3.14 and 10:30 is a time."),
        ("See e.g.The and U.S.A. here.", "See e.g.The and U.S.A. here."),
        ("Use java.lang.String here.", "Use java.lang.String here."),
        ("the &&, || and ! operators", "the &&, || and ! operators"),
        ("Example ::\n\n   code", "Example ::\n\n   code"),
        ("    indented  line", "    indented  line"),
    ],
)
def test_spacing(before: str, after: str) -> None:
    assert out(before, "normalize") == after


def test_aligned_columns_and_tables_kept() -> None:
    table = "name    value   note\nalpha   1       first\n"
    assert out(table, "normalize") == table
    assert out("| a  b | c |\n", "normalize") == "| a  b | c |\n"


def test_double_spaced_sentences_kept_when_that_is_the_style() -> None:
    text = "One.  Two.  Three.  Four here."
    assert out(text, "normalize") == text


def test_quotes_follow_majority() -> None:
    text = 'He said \u201cyes\u201d and \u201cno\u201d, then "maybe". It\u2019s done, isn\'t it.'
    result = out(text, "normalize")
    assert "\u201cmaybe\u201d" in result
    assert "isn\u2019t" in result
    straight = 'She said "yes" and "no", then \u201cmaybe\u201d. It\'s fine.'
    assert out(straight, "normalize") == 'She said "yes" and "no", then "maybe". It\'s fine.'


def test_quotes_keep_primes_and_ties() -> None:
    text = "He is 5'10\" tall and \u201ctall\u201d."
    assert out(text, "normalize") == text


def test_dashes_follow_majority() -> None:
    text = (
        "The plan\u2014if it works\u2014is simple. We tried it\u2014twice. "
        "It failed -- as everyone in the room had expected it would."
    )
    assert "failed\u2014as" in out(text, "normalize")
    assert out("use git checkout -- file to reset it", "normalize").count("--") == 1


def test_hyphenated_words_untouched() -> None:
    text = "A well-known, up-to-date and state-of-the-art tool."
    for strategy in STRATEGIES:
        assert out(text, strategy) == text


# concise -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We left in order to eat.", "We left to eat."),
        ("In order to win, train.", "To win, train."),
        ("IN ORDER TO WIN, TRAIN.", "TO WIN, TRAIN."),
        ("We stayed due to the fact that it rained.", "We stayed because it rained."),
        ("Call me at this point in time.", "Call me now."),
        ("A large number of files were lost.", "Many files were lost."),
        ("We lost a large number of the files.", "We lost many of the files."),
        ("The majority of the users agree.", "Most of the users agree."),
        ("The majority of commonly used words.", "The majority of commonly used words."),
        ("She is able to swim.", "She can swim."),
    ],
)
def test_wordy_phrase(before: str, after: str) -> None:
    assert out(before, "concise") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Each and every test passed.", "Every test passed."),
        ("First and foremost, be kind.", "First, be kind."),
        ("The agreement was full and complete.", "The agreement was complete."),
        ("The end result is good.", "The result is good."),
        ("This is very unique.", "This is unique."),
        ("Please revert back the change.", "Please revert the change."),
    ],
)
def test_redundant_pair(before: str, after: str) -> None:
    assert out(before, "concise") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("It is basically done.", "It is done."),
        ("Basically, it works.", "It works."),
        ("Done. Basically, it works.", "Done. It works."),
        ("It goes without saying that tests matter.", "Tests matter."),
        ("This is really hard.", "This is hard."),
        ("Do you really mean it?", "Do you really mean it?"),
        ("These are really a separate program.", "These are really a separate program."),
        ("It basically works.", "It basically works."),
        ("Basically, iOS is fine.", "Basically, iOS is fine."),
        ("We were, basically, done.", "We were, basically, done."),
    ],
)
def test_filler(before: str, after: str) -> None:
    assert out(before, "concise") == after


# plain -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We utilize tools.", "We use tools."),
        ("She utilizes tools.", "She uses tools."),
        ("They utilized tools.", "They used tools."),
        ("Utilizing tools helps.", "Using tools helps."),
        ("UTILIZE TOOLS.", "USE TOOLS."),
        ("The show will commence soon.", "The show will start soon."),
        ("We endeavour to help.", "We try to help."),
        ("It took approximately ten minutes.", "It took about ten minutes."),
    ],
)
def test_complex_word(before: str, after: str) -> None:
    assert out(before, "plain") == after


def test_proper_nouns_kept() -> None:
    assert out("We sailed to Commence Bay.", "plain") == "We sailed to Commence Bay."
    assert out("Read the Utilize Guide.", "plain") == "Read the Utilize Guide."
    assert out("Read The Majority Of Us.", "concise") == "Read The Majority Of Us."


def test_article_kept_right() -> None:
    assert out("It was an erroneous step.", "plain") == "It was an erroneous step."
    assert out("It was an assistance.", "plain") == "It was an assistance."


def test_sentence_start_after_hard_wrap_is_not_a_start() -> None:
    text = "We went to see\nUtilize Corp today."
    assert out(text, "plain") == text


def test_list_item_and_heading_are_sentence_starts() -> None:
    assert out("- Utilize tools.\n# Utilize tools", "plain") == "- Use tools.\n# Use tools"


# protection --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Run `in order to utilize` now.",
        "Run ``in order to utilize`` now.",
        "```\nin order to utilize the the\n```\n",
        "~~~\nin order to utilize\n~~~\n",
        "Text.\n\n    in order to utilize the the\n",
        "Example::\n\n  in order to utilize\n",
        ".. code-block:: python\n\n   in order to utilize\n",
        ">>> in order to utilize\n",
        "See https://example.org/in_order_to/utilize now.",
        "Mail in.order.to@utilize.example now.",
        'He said "in order to utilize" twice.',
        "He said \u201cin order to utilize\u201d twice.",
        "He said 'in order to utilize' twice.",
        "See [docs](https://x.org/utilize) here.",
        'Use <a title="in order to utilize">x</a> here.',
        "Use <code>in order to utilize</code> here.",
        "<!-- in order to utilize -->",
    ],
)
def test_never_touched(text: str) -> None:
    for strategy in ("concise", "plain"):
        result = check(text, strategy)
        for edit in result.edits:
            assert "in order to" not in edit.before
            assert "utilize" not in edit.before.lower()


def test_link_text_is_prose() -> None:
    assert out("See [how to utilize it](https://x.org/utilize).", "plain") == (
        "See [how to use it](https://x.org/utilize)."
    )


def test_unbalanced_quote_protects_rest_of_paragraph() -> None:
    text = 'He said "in order to win.\n\nIn order to win, train.'
    assert out(text, "concise") == 'He said "in order to win.\n\nTo win, train.'


def test_newlines_and_paragraphs_preserved() -> None:
    text = "In order to\nwin.\n\n\nThe the end  \n\n  utilize   \n"
    for strategy in STRATEGIES:
        assert check(text, strategy).text.count("\n") == text.count("\n")


def test_empty_text() -> None:
    for strategy in STRATEGIES:
        assert refine("", strategy) == Refinement("")


# disabled and errors -----------------------------------------------------


def test_disabled_by_rule_id_and_category() -> None:
    text = "In order to win, each and every player is basically ready."
    assert refine(text, "concise").text == "To win, every player is ready."
    assert refine(text, "concise", disabled=["concise.wordy_phrase"]).text == (
        "In order to win, every player is ready."
    )
    assert refine(text, "concise", disabled={"redundancy", "filler"}).text == (
        "To win, each and every player is basically ready."
    )
    assert not refine(text, "concise", disabled=["wordiness", "redundancy", "filler"]).edits


def test_validate_disabled() -> None:
    assert validate_disabled(["spacing", "plain.complex_word"]) == frozenset(
        {"spacing", "plain.complex_word"}
    )
    with pytest.raises(UnknownRule, match="nope"):
        validate_disabled(["nope"])


def test_unknown_strategy_and_rule() -> None:
    with pytest.raises(UnknownStrategy, match=r"'shout'.*normalize"):
        refine("x", "shout")
    with pytest.raises(UnknownRule, match=r"'concise\.nope'.*allowed"):
        refine("x", "concise", disabled=["concise.nope"])


def test_edits_compose_across_rounds() -> None:
    # Removing "basically" puts "really" right after "is": a second round removes it too.
    result = check("It is basically really hard.", "concise")
    assert result.text == "It is hard."
    assert len(result.edits) == 1


async def test_a_long_document_keeps_one_style_across_its_pieces() -> None:
    """Over 64 KB the engine refines piece by piece, but decides quotes and dashes on the
    whole: a last piece that mostly writes straight quotes follows the curly majority."""
    curly = "She said \u201cyes\u201d, he said \u201cno\u201d\u2014and it\u2019s settled.\n\n"
    straight = 'They said "maybe" and "later" -- and "soon" again, it\'s said.\n\n'
    head = curly * (2 * CHUNK_CHARS // len(curly))
    text = head + straight * 200
    pieces = [piece for _, piece in paragraph_chunks(text)]
    assert pieces[-1].count('"') > pieces[-1].count("\u201c"), "straight rules the last piece"
    outcome = await LocalEngine().run_pass(
        text, "normalize", PassOptions(), lambda done, total, delta: None
    )
    tail = outcome.text[len(head) :]
    assert '"' not in tail, "the straight quotes of the last piece follow the document"
    assert "\u201cmaybe\u201d" in tail
    assert " -- " not in tail
    # That piece alone is a document of its own majority, and is left as it is.
    assert out(straight * 3, "normalize") == straight * 3


def test_only_strategies_with_quote_or_dash_rules_need_the_whole_documents_style() -> None:
    assert {s for s in STRATEGIES if follows_house_style(s)} == {"normalize"}


def test_a_text_no_rule_changes_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rounds: list[str] = []
    original = engine._round

    def counted(text: str, *args: Any) -> Any:
        rounds.append(text)
        return original(text, *args)

    monkeypatch.setattr(engine, "_round", counted)
    assert refine("A clean sentence.", "normalize").text == "A clean sentence."
    assert len(rounds) == 1
    rounds.clear()
    assert refine("Hello!!! there.", "normalize").text == "Hello! there."
    assert len(rounds) == 2, "a changed text is read again, for edits the first ones made possible"
