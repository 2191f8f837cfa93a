"""Tell a contract and a piece of literary fiction from other prose.

Plain-language swaps help a report or a web page; in a contract a word may be
a defined or settled term ("deemed", "forthwith", "per annum"), and in a novel
the wording is the author's voice. Such documents get no ``plain`` swaps from
the automatic plan, and the swaps known to be risky in a contract are skipped
in one even when ``plain`` is asked for.

The tests are counts of markers per 1,000 words, cheap enough to run on a
whole document: a contract says "shall", "hereby", "Agreement", numbers its
clauses; fiction is told in the past tense with dialogue ("said she").
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"[A-Za-z]+")
_CONTRACT = re.compile(
    r"\b(?:shall|hereby|herein|hereof|hereunder|thereof|whereas|indemnify|indemnity|"
    r"warrants?|covenants?|liability|obligations?|clause|breach|termination|pursuant|"
    r"Agreement|Licensee|Licensor|Tenant|Landlord|Lessee|Lessor|Party|Parties|Guarantor|"
    r"Borrower|Lender|Seller|Buyer|Supplier|Customer|Employee|Consultant|Recipient|"
    r"Discloser|Schedule)\b"
)
_SHALL = re.compile(r"\bshall\b")
_CLAUSE_NUMBER = re.compile(r"^[ \t]*(?:\d+\.\d+|\(\w\)|\d+\.)[ \t]", re.MULTILINE)
_DIALOGUE = re.compile(r"[\"\u201c][^\"\u201d\n]{1,400}[,.!?][\"\u201d]")
_NARRATION = re.compile(
    r"\b(?:said|replied|cried|answered|exclaimed|asked|returned|she|he|her|him|his|herself|"
    r"himself|was|had|were|felt|thought|looked)\b"
)
_MARKUP = re.compile(r"^[ \t]*(?:[#>|*-]|\.\.|```|\$ )", re.MULTILINE)
_SAMPLE = 200_000  # characters read from each end: enough to tell, and bounded in time


def _sample(text: str) -> str:
    if len(text) <= 2 * _SAMPLE:
        return text
    return text[:_SAMPLE] + "\n" + text[-_SAMPLE:]


def reads_as_contract(text: str) -> bool:
    """Whether ``text`` reads as a contract, a deed or similar legal instrument."""
    sample = _sample(text)
    words = len(_WORDS.findall(sample))
    if words < 40:
        return False
    markers = len(_CONTRACT.findall(sample))
    shall = len(_SHALL.findall(sample))
    clauses = len(_CLAUSE_NUMBER.findall(sample))
    dense = 1000 * markers / words >= 20 or clauses >= 3
    return (shall >= 2 and dense) or 1000 * shall / words >= 8


def reads_as_fiction(text: str) -> bool:
    """Whether ``text`` reads as narrative fiction: past-tense narration with dialogue."""
    sample = _sample(text)
    words = len(_WORDS.findall(sample))
    if words < 150 or len(_MARKUP.findall(sample)) * 40 > words:
        return False
    narration = 1000 * len(_NARRATION.findall(sample)) / words
    dialogue = 1000 * len(_DIALOGUE.findall(sample)) / words
    return narration >= 75 or (narration >= 45 and dialogue >= 2)
