"""Tell a contract and a piece of literary fiction from other prose.

Plain-language swaps help a report or a web page; in a contract a word may be
a defined or settled term ("deemed", "forthwith", "per annum"), and in a novel
the wording is the author's voice. Such documents get no ``plain`` swaps from
the automatic plan, and the swaps known to be risky in a contract are skipped
in one even when ``plain`` is asked for.

The tests are counts of markers per 1,000 words in up to three 20 KB
windows of the document (start, middle, end), cached per text: a contract
says "shall", "hereby", "Agreement", numbers its clauses; fiction is told
in the past tense with dialogue ("said she").
"""

from __future__ import annotations

import re
from functools import lru_cache

_CONTRACT_WORDS = frozenset(
    [
        "shall",
        "hereby",
        "herein",
        "hereof",
        "hereunder",
        "thereof",
        "whereas",
        "indemnify",
        "indemnity",
        "warrant",
        "warrants",
        "covenant",
        "covenants",
        "liability",
        "obligation",
        "obligations",
        "clause",
        "breach",
        "termination",
        "pursuant",
        "Agreement",
        "Licensee",
        "Licensor",
        "Tenant",
        "Landlord",
        "Lessee",
        "Lessor",
        "Party",
        "Parties",
        "Guarantor",
        "Borrower",
        "Lender",
        "Seller",
        "Buyer",
        "Supplier",
        "Customer",
        "Employee",
        "Consultant",
        "Recipient",
        "Discloser",
        "Schedule",
    ]
)
_NARRATION_WORDS = frozenset(
    [
        "said",
        "replied",
        "cried",
        "answered",
        "exclaimed",
        "asked",
        "returned",
        "she",
        "he",
        "her",
        "him",
        "his",
        "herself",
        "himself",
        "was",
        "had",
        "were",
        "felt",
        "thought",
        "looked",
    ]
)
_STRIP = ".,;:!?()[]\"'\u201c\u201d\u2018\u2019_*-"
_CLAUSE_NUMBER = re.compile(r"^[ \t]*(?:\d+\.\d+|\(\w\)|\d+\.)[ \t]", re.MULTILINE)
_DIALOGUE = re.compile(r"[\"\u201c][^\"\u201d\n]{1,400}?[,.!?][\"\u201d]")
_MARKUP = re.compile(r"^[ \t]*(?:[#>|*-]|\.\.|```|\$ )", re.MULTILINE)
_WINDOW = 20_000  # characters read at the start, the middle and the end: enough to tell


def _sample(text: str) -> str:
    if len(text) <= 3 * _WINDOW:
        return text
    middle = len(text) // 2
    return "\n".join((text[:_WINDOW], text[middle : middle + _WINDOW], text[-_WINDOW:]))


def _words(sample: str) -> list[str]:
    return [word.strip(_STRIP) for word in sample.split()]


def reads_as_contract(text: str) -> bool:
    """Whether ``text`` reads as a contract, a deed or similar legal instrument."""
    return _contract_sample(_sample(text))


def reads_as_fiction(text: str) -> bool:
    """Whether ``text`` reads as narrative fiction: past-tense narration with dialogue."""
    return _fiction_sample(_sample(text))


# Cached on the sample, not the text, so that the cache holds at most 60 KB a document.
@lru_cache(maxsize=16)
def _contract_sample(sample: str) -> bool:
    words = _words(sample)
    if len(words) < 40:
        return False
    markers = sum(1 for word in words if word in _CONTRACT_WORDS)
    shall = words.count("shall")
    clauses = len(_CLAUSE_NUMBER.findall(sample))
    dense = 1000 * markers / len(words) >= 20 or clauses >= 3
    return (shall >= 2 and dense) or 1000 * shall / len(words) >= 8


@lru_cache(maxsize=16)
def _fiction_sample(sample: str) -> bool:
    words = _words(sample)
    if len(words) < 150 or len(_MARKUP.findall(sample)) * 40 > len(words):
        return False
    narration = 1000 * sum(1 for word in words if word.lower() in _NARRATION_WORDS) / len(words)
    dialogue = 1000 * len(_DIALOGUE.findall(sample)) / len(words)
    return narration >= 75 or (narration >= 45 and dialogue >= 2)
