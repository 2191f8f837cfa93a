"""Run one strategy of the local engine over a text.

``refine`` is pure and keeps no state between calls, so worker threads may
call it at will. All word lists are read when the package is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from service.engines.edits import Edit, Refinement

from . import _articles, _capitals, _filler, _genre, _normalize, _spelling, _typography
from ._compose import apply, compose, select
from ._context import Context, HouseStyle
from ._inflect import load_swaps
from ._phrases import PhraseRule
from ._protect import Protection, protect, shifted
from ._spans import Spans
from ._spelling import Vocabulary
from ._text import folded
from .catalog import RULES, check_strategy, is_disabled, validate_disabled

Rule = Callable[[Context], Iterator[Edit]]

# Rules in priority order: when two candidates start at the same place, the first listed wins.
_PLAN: dict[str, tuple[tuple[str, Rule], ...]] = {
    "spelling": (("spelling.typo", _spelling.spelling),),
    "normalize": (
        ("normalize.doubled_word", _normalize.doubled_word),
        ("normalize.repeated_punct", _normalize.repeated_punct),
        ("normalize.space_before_punct", _normalize.space_before_punct),
        ("normalize.extra_space", _normalize.extra_space),
        ("normalize.trailing_space", _normalize.trailing_space),
        ("normalize.missing_space", _normalize.missing_space),
        ("normalize.sentence_capital", _capitals.sentence_capital),
        ("normalize.article", _articles.article),
        ("normalize.dashes", _typography.dashes),
        ("normalize.quotes", _typography.quotes),
    ),
    "concise": (
        (
            "concise.redundant_pair",
            PhraseRule.load("concise.redundant_pair", "redundant_pairs.tsv"),
        ),
        ("concise.wordy_phrase", PhraseRule.load("concise.wordy_phrase", "wordy_phrases.tsv")),
        ("concise.filler", _filler.filler),
    ),
    "plain": (
        (
            "plain.complex_word",
            PhraseRule.load("plain.complex_word", "plain_words.tsv", load_swaps),
        ),
    ),
}

_MAX_ROUNDS = 4


# Rules whose edits leave protected ranges, quote marks and line breaks alone (see
# ``_protect.shifted``): after a round of only these, the next round moves the
# protected ranges instead of finding them again.
_KEEP_PROTECTION = frozenset(
    {
        "normalize.doubled_word", "normalize.repeated_punct", "normalize.space_before_punct",
        "normalize.extra_space", "normalize.trailing_space", "normalize.missing_space",
        "normalize.sentence_capital", "normalize.article",
    }
)  # fmt: skip


def _round(
    text: str,
    rules: tuple[Rule, ...],
    house: HouseStyle | None,
    vocabulary: Vocabulary | None,
    protection: Protection | None = None,
) -> tuple[list[Edit], Protection]:
    if protection is None:
        ctx = Context.of(text, house, vocabulary)
    else:
        ctx = Context(text, folded(text), protection, house, vocabulary)
    return select(edit for rule in rules for edit in rule(ctx)), ctx.protection


def _next_protection(protection: Protection, edits: list[Edit]) -> Protection | None:
    if all(edit.rule in _KEEP_PROTECTION for edit in edits):
        return shifted(protection, edits)
    return None


# The rules that hold a text to the style most of it uses: on a piece of a
# longer document they need the style of the whole (``Context.house``).
_HOUSE_STYLE_RULES = (_typography.quotes, _typography.dashes, _normalize.extra_space)


def house_style(document: str) -> HouseStyle:
    """The quote, dash and sentence-spacing styles to hold every piece of ``document`` to."""
    ctx = Context.of(document)
    quotes, dashes = _typography.house_style(ctx)
    return HouseStyle(quotes, dashes, _normalize.double_spaced(ctx))


def protected_spans(document: str) -> Spans:
    """The ranges of ``document`` no rule may edit (code, comments, links, markup)."""
    return protect(document).hard


def may_start_piece(document: str, pos: int, protected: Spans) -> bool:
    """Whether a piece of ``document`` may start at ``pos``, just after a blank line, and be
    refined on its own exactly as it would be inside the whole: it starts a paragraph of
    prose outside ``protected`` ranges, after a paragraph that ended a sentence."""
    return (
        pos < len(document)
        and document[pos].isalnum()
        and document[pos - 2 : pos] == "\n\n"
        and not protected.overlaps(pos, pos + 1)
        and _capitals.after_sentence(document, pos - 2, protected)
    )


def follows_house_style(strategy: str) -> bool:
    """Whether ``strategy`` has a rule that needs the style of the whole document."""
    return any(rule in _HOUSE_STYLE_RULES for _, rule in _PLAN[strategy])


def suits_automatic_plan(document: str, strategy: str) -> bool:
    """Whether the automatic plan should run ``strategy`` on the whole of ``document``.

    Plain-word swaps are left out of a contract (its words are settled terms) and
    of literary fiction (its words are the author's); a request that names
    ``plain`` still gets them.
    """
    if strategy != "plain":
        return True
    return not (_genre.reads_as_contract(document) or _genre.reads_as_fiction(document))


def vocabulary(document: str, dictionary: Iterable[str] = ()) -> Vocabulary:
    """What ``spelling`` must leave alone in every piece of ``document``, and ``dictionary``."""
    return _spelling.vocabulary(document, dictionary)


def refine(
    text: str,
    strategy: str,
    *,
    disabled: Iterable[str] = (),
    house: HouseStyle | None = None,
    vocabulary: Vocabulary | None = None,
) -> Refinement:
    """Apply ``strategy`` to ``text``, skipping the rules or categories in ``disabled``.

    ``house`` and ``vocabulary`` are for a piece of a longer document: the
    styles and the words decided on all of it (``vocabulary`` also carries
    the words a request or deployment asks ``spelling`` to accept).
    """
    check_strategy(strategy)
    off = validate_disabled(disabled)
    rules = tuple(rule for rule_id, rule in _PLAN[strategy] if not is_disabled(RULES[rule_id], off))
    if not rules or not text:
        return Refinement(text)
    if strategy == "spelling":
        if vocabulary is None:
            vocabulary = _spelling.vocabulary(text)  # counted once, not per round
        if not _spelling.typos(text, vocabulary):
            return Refinement(text)  # most pieces: no need to work out what is protected
    edits, protection = _round(text, rules, house, vocabulary)
    if not edits:
        return Refinement(text)  # another round would read the same text the same way
    current = apply(text, edits)
    latest = edits
    for _ in range(_MAX_ROUNDS - 1):
        more, protection = _round(
            current, rules, house, vocabulary, _next_protection(protection, latest)
        )
        if not more:
            break
        # A rule's output made a new match possible (e.g. a space left after a removal).
        edits = compose(text, edits, more)
        current = apply(current, more)
        latest = more
    return Refinement(current, tuple(edits))
