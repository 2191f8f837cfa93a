"""``spelling``: correct a typo only where one correction is clearly best.

The words come from two packages (see ``_lexicon``), chosen after trying
four on the typo list of ``tests/test_spelling.py``, British and American
pairs, rare words, and the evaluation corpus of ``bench/quality.py``:

- *pyspellchecker* (MIT, pure Python, 7 MB, no dependencies): a curated
  list of 160,000 words (128,000 of plain letters) that holds none of 30
  common typos, rare words included, but lacks British forms ("colour",
  "organise", "dialled"). Chosen for the known words.
- *wordfreq* (Apache-2.0, data CC BY-SA 4.0, 58 MB with its other
  languages): frequencies on one scale for every spelling, but its web
  sources hold all 30 typos too ("teh", "recieve", "definately"). Chosen
  for frequencies, and for the common words (zipf 3.3 and up, which no
  common typo reaches) that the curated list lacks.
- *symspellpy* (MIT): fast lookups, but its 82,765-word list lacks many
  American forms ("favorite", "traveled") and rare words, and building its
  index takes 4.7 s. Not chosen.
- *spylls* (MPL): Hunspell in pure Python, ships no dictionary (the
  Hunspell files are Debian packages, not PyPI), suggests slowly, and has
  had no release since 2022. Not chosen.

A word is corrected only when it is a lower-case word (or the capitalised
first word of a sentence, corrected only to a very common word) of plain
letters that no list knows, used once in the whole document, in prose that
reads as English; everything else is left, because a wrong correction is
worse than a missed one. Never touched: capitalised words elsewhere (names),
all-capital words (acronyms; "RECIEVE" is left), identifiers (snake_case,
CamelCase, dotted.names, words with digits, hyphens, slashes or
apostrophes), code, links, e-mail addresses and quotations (``_protect``),
words of the request's or the deployment's dictionary, and whole paragraphs
written in another script or with more than a fifth of their words unknown.
In a document that reads as narrative fiction only swapped or doubled
letters are corrected: a novel's rarer spellings are its author's
("doating" is not "donating", "secresy" stays).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from service.engines.edits import Edit

from . import _genre
from ._context import Context
from ._correct import correction, swap_or_double
from ._lexicon import Lexicon, lexicon
from ._text import article_breaks, case_shape, is_sentence_start

RULE = "spelling.typo"
# A capitalised first word of a sentence is corrected only to a word this common (zipf 5).
SENTENCE_START_FREQUENCY = 10 ** (5.0 - 9)
# A paragraph with more than this share of unknown words (and two or more) is not judged.
FOREIGN_SHARE = 0.2

_RUN = re.compile(r"[a-z]+")  # on folded text: every run of letters, for counting
_BLANK_LINE = re.compile(r"\n(?=\n)")
_LETTERS = re.compile(r"[^\W\d_]+")
_NON_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")
_WORD_BEFORE = re.compile(r"[\w.@/\\#$%&'\u2019-]")
_AFTER = r"(?![\w@/\\'\u2019-]|\.\w)"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What the whole document and the people behind it vouch for.

    A long document is refined a piece at a time; what it repeats is counted
    on all of it, so that every piece leaves the same words alone.
    """

    accepted: frozenset[str] = frozenset()  # dictionary words, lower case
    repeated: frozenset[str] = frozenset()  # unknown words the document uses twice or more
    fiction: bool = False  # the document reads as a novel or a story


def vocabulary(document: str, dictionary: Iterable[str] = ()) -> Vocabulary:
    """The vocabulary of ``document``, with the words of ``dictionary`` accepted."""
    counts = Counter(_RUN.findall(document.lower()))
    known = lexicon().known
    repeated = frozenset(w for w in counts.keys() - known if counts[w] > 1)
    accepted = frozenset(w.lower() for w in dictionary)
    return Vocabulary(accepted, repeated, _genre.reads_as_fiction(document))


def typos(text: str, vocab: Vocabulary) -> dict[str, str]:
    """The unknown words of ``text`` (lower case) that have a clear correction, with it.

    Cheap next to the rest of a pass: a text without any is left at once.
    """
    lex = lexicon()
    unknown = set(_RUN.findall(text.lower())) - lex.known - vocab.accepted - vocab.repeated
    found = {}
    for word in sorted(unknown):
        fix = None if lex.knows(word) else correction(word)  # knows: a British form
        if fix is not None and (not vocab.fiction or swap_or_double(word, fix)):
            found[word] = fix
    return found


def spelling(ctx: Context) -> Iterator[Edit]:
    lex = lexicon()
    vocab = ctx.vocabulary if ctx.vocabulary is not None else vocabulary(ctx.text)
    lowered = ctx.lowered
    judged: dict[int, bool] = {}  # paragraph start -> reads as English
    breaks: list[int] | None = None
    found = typos(lowered, vocab)
    if not found:
        return
    # One scan for all of them; the pattern starts with letters, so the scan skips ahead fast.
    pattern = re.compile("(?:" + "|".join(found) + ")" + _AFTER)
    for m in pattern.finditer(lowered):
        start, end = m.span()
        if start > 0 and _WORD_BEFORE.match(lowered, start - 1):
            continue  # the inside or the tail of a longer token
        word = m.group()
        fix = found[word]
        replacement = _cased(ctx.text, start, end, fix, lex)
        if replacement is None or not ctx.free(start, end):
            continue
        if article_breaks(ctx.text, start, word, fix):
            continue
        if _beside_unknown(lowered, start, end, lex, vocab):
            continue
        if breaks is None:
            breaks = [b.start() for b in _BLANK_LINE.finditer(lowered)]
        para_start, para_end = _paragraph(lowered, start, breaks)
        if para_start not in judged:
            judged[para_start] = _english(ctx.text[para_start:para_end], lex, vocab)
        if judged[para_start]:
            yield ctx.edit(
                RULE,
                start,
                end,
                replacement,
                f"'{ctx.text[start:end]}' is not in the dictionary; '{fix}' is by far "
                "the likeliest word one slip away",
            )


def _cased(text: str, start: int, end: int, fix: str, lex: Lexicon) -> str | None:
    """``fix`` in the case of the original word, or ``None`` where a name may be meant."""
    shape = case_shape(text[start:end])
    if shape == "lower":
        return fix
    common = lex.frequency(fix) >= SENTENCE_START_FREQUENCY
    if shape == "capital" and common and is_sentence_start(text, start):
        return fix[0].upper() + fix[1:]
    return None


def _paragraph(text: str, pos: int, breaks: list[int]) -> tuple[int, int]:
    """The paragraph around ``pos``: from the blank line before it to the one after.

    ``breaks`` holds the start of every ``"\n\n"`` in ``text``, found once per
    text, so that a 5 MB paragraph with many typos is not scanned per typo.
    """
    i = bisect_left(breaks, pos)
    start = breaks[i - 1] + 2 if i > 0 else 0
    end = breaks[i] if i < len(breaks) else len(text)
    return start, end


_LAST_WORD = re.compile(r"([^\W\d_]+)\W*$")
_FIRST_WORD = re.compile(r"\W*([^\W\d_]+)")


def _beside_unknown(text: str, start: int, end: int, lex: Lexicon, vocab: Vocabulary) -> bool:
    """Whether the word before or after ``text[start:end]`` is unknown too.

    Dialect, jargon and foreign phrases come in runs ("tiwed of wunning
    awound"); typos seldom stand next to each other.
    """
    before = _LAST_WORD.search(text, max(0, start - 40), start)
    after = _FIRST_WORD.match(text, end, end + 40)
    return any(
        m is not None and m.group(1) not in lex.known and m.group(1) not in vocab.accepted
        for m in (before, after)
    )


def _english(paragraph: str, lex: Lexicon, vocab: Vocabulary) -> bool:
    """Whether ``paragraph`` reads as English whose words can be judged.

    Its lower-case words are counted (names say nothing of the language).
    Every unknown one counts against it, typos too: a paragraph dense with
    them is more likely dialect ("tiwed of wunning"), a language the lists
    do not know, or jargon, than careless English.
    """
    if _NON_LATIN.search(paragraph):
        return False
    words = [w for w in _LETTERS.findall(paragraph) if w.islower()]
    unknown = sum(1 for w in words if w not in lex.known and w not in vocab.accepted)
    return unknown < 2 or unknown <= FOREIGN_SHARE * len(words)
