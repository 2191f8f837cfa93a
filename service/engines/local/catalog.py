"""What the local engine offers: its strategies, its rules, and the errors for asking wrongly.

The catalogue is static and small; ``GET /strategies`` and request validation
read it, and ``refine`` uses it to decide which rules run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class StrategyInfo:
    """A named pass: a set of rules that run together over one text."""

    name: str
    description: str
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """One rule, addressable by its stable id in ``disabled``."""

    id: str
    strategy: str
    category: str
    description: str


class UnknownStrategy(ValueError):
    """The strategy name is not one the local engine has."""


class UnknownRule(ValueError):
    """A name in ``disabled`` is neither a rule id nor a category."""


_RULES = (
    RuleInfo(
        "spelling.typo",
        "spelling",
        "spelling",
        "Corrects a misspelt word ('recieve' -> 'receive') only where one correction is far "
        "likelier than any other; British and American spellings both stand; never names, "
        "identifiers, code, links, words used twice or words of the dictionary.",
    ),
    RuleInfo(
        "normalize.doubled_word",
        "normalize",
        "repetition",
        "Removes an accidentally repeated word such as 'the the' in English prose; only "
        "words that are never legitimately doubled, never beside a capital ('Team A a lead').",
    ),
    RuleInfo(
        "normalize.repeated_punct",
        "normalize",
        "punctuation",
        "Collapses '!!!', '??', ',,' and ';;' to one mark; keeps '...' and '?!'.",
    ),
    RuleInfo(
        "normalize.extra_space",
        "normalize",
        "spacing",
        "Collapses every run of spaces between words in prose; leaves indentation, list "
        "markers, tables, columns that line up with the next line's, and two spaces after "
        "a full stop where the document mostly uses them (decided once per document).",
    ),
    RuleInfo(
        "normalize.trailing_space",
        "normalize",
        "spacing",
        "Removes spaces at the end of a line, except a Markdown hard line break.",
    ),
    RuleInfo(
        "normalize.space_before_punct",
        "normalize",
        "spacing",
        "Removes a space before , ; . or ? ('missed .', 'ready ,and' -> 'ready, and'); "
        "never before a leading-dot name ('.env', '.5') or a command's '.' argument.",
    ),
    RuleInfo(
        "normalize.missing_space",
        "normalize",
        "spacing",
        "Adds the missing space after , ; : before a common word (',and') and after a full "
        "stop between two sentences ('end.The'); never inside numbers, times, URLs, e-mail "
        "addresses or dotted names ('os.path', 'e.g.', 'notes.txt').",
    ),
    RuleInfo(
        "normalize.sentence_capital",
        "normalize",
        "capitals",
        "Capitalises the first word of a sentence or paragraph of English prose; never a "
        "name, a command, a unit, or a word after an abbreviation or a list label.",
    ),
    RuleInfo(
        "normalize.article",
        "normalize",
        "articles",
        "Makes 'a' and 'an' agree with the sound of the next word ('a hour' -> 'an hour', "
        "'an user' -> 'a user'); leaves it where spelling does not tell ('an historic').",
    ),
    RuleInfo(
        "normalize.quotes",
        "normalize",
        "quotes",
        "Makes straight and curly quotes and apostrophes follow the document's majority "
        "style; a leading apostrophe ('90s, rock 'n' roll, 'tis) stays an apostrophe.",
    ),
    RuleInfo(
        "normalize.dashes",
        "normalize",
        "dashes",
        "Makes sentence dashes (' -- ', '\u2014', ' \u2014 ', ' \u2013 ') follow the "
        "document's majority style.",
    ),
    RuleInfo(
        "concise.wordy_phrase",
        "concise",
        "wordiness",
        "Replaces a wordy phrase with a short one ('in order to' -> 'to', 'at your earliest "
        "convenience' -> 'as soon as you can') where the sentence still parses.",
    ),
    RuleInfo(
        "concise.redundant_pair",
        "concise",
        "redundancy",
        "Drops the redundant half of a pair ('each and every' -> 'every').",
    ),
    RuleInfo(
        "concise.filler",
        "concise",
        "filler",
        "Drops an empty filler or announcement ('basically', 'please note that') where its "
        "removal keeps grammar and meaning.",
    ),
    RuleInfo(
        "plain.complex_word",
        "plain",
        "plain_words",
        "Replaces a needlessly formal word with a plain one ('utilize' -> 'use'), keeping its "
        "inflection and part of speech; never inside a term of art ('beneficial owner').",
    ),
)

RULES: Mapping[str, RuleInfo] = MappingProxyType({rule.id: rule for rule in _RULES})


def _categories(strategy: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for rule in _RULES:
        if rule.strategy == strategy:
            seen[rule.category] = None
    return tuple(seen)


STRATEGIES: Mapping[str, StrategyInfo] = MappingProxyType(
    {
        "spelling": StrategyInfo(
            "spelling",
            "Corrects clear typos from an English dictionary, British and American spellings "
            "alike. Leaves names, identifiers, code, repeated words and foreign text alone.",
            _categories("spelling"),
        ),
        "normalize": StrategyInfo(
            "normalize",
            "Tidies spacing, repeated words and punctuation, capitalises sentence starts, "
            "makes 'a'/'an' agree with the next word, and makes quotes and dashes "
            "consistent. Never touches code, markup or names, and never changes a word of "
            "a paragraph that is not English.",
            _categories("normalize"),
        ),
        "concise": StrategyInfo(
            "concise",
            "Shortens wordy phrases, drops redundant pairs and empty fillers where the "
            "meaning stays the same.",
            _categories("concise"),
        ),
        "plain": StrategyInfo(
            "plain",
            "Replaces needlessly formal words with plain ones ('utilize' -> 'use'); terms of "
            "art stay, and the automatic plan skips it for contracts and fiction.",
            _categories("plain"),
        ),
    }
)

CATEGORIES: frozenset[str] = frozenset(rule.category for rule in _RULES)


def check_strategy(strategy: str) -> StrategyInfo:
    """Return the strategy's info or raise ``UnknownStrategy`` naming the allowed ones."""
    try:
        return STRATEGIES[strategy]
    except KeyError:
        allowed = ", ".join(STRATEGIES)
        raise UnknownStrategy(f"unknown strategy {strategy!r}; allowed: {allowed}") from None


def validate_disabled(disabled: Iterable[str]) -> frozenset[str]:
    """Check that every name is a rule id or a category; return them as a set."""
    names = frozenset(disabled)
    unknown = sorted(name for name in names if name not in RULES and name not in CATEGORIES)
    if unknown:
        raise UnknownRule(
            f"unknown rule or category {', '.join(map(repr, unknown))}; allowed rule ids: "
            f"{', '.join(RULES)}; allowed categories: {', '.join(sorted(CATEGORIES))}"
        )
    return names


def is_disabled(rule: RuleInfo, disabled: frozenset[str]) -> bool:
    return rule.id in disabled or rule.category in disabled
