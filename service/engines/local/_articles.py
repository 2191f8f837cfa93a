"""Make "a" and "an" agree with the sound of the next word: "a hour" -> "an hour".

The sound is judged from spelling with lists of the known exceptions ("an
honest", "a one-off", "a European", "a unicorn"); where spelling does not
tell ("an historic" is a house style, "a URL" or "an URL" depends on how
the letters are read), the article is left as written. ``inflect``'s
article logic was measured for this and not used: it reads "URL", "usher"
and "Uber" wrongly, and costs about 50 microseconds a word.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from service.engines.edits import Edit

from ._context import Context
from ._english import FUNCTION_WORDS, EnglishParagraphs
from ._text import is_sentence_start

# After a space or an opening mark; the text is read with one character before it.
# Matched on the lower-cased text: "a" or "an" after a space or an opening mark.
_ARTICLE = re.compile(r"a(?<=[\s(\[\"\u201c\u2018*_]a)n?[ \t]+(?=[a-z])")
_FIRST_ARTICLE = re.compile(r"an?[ \t]+(?=[a-z])")
# After "a": letters that may start a word read with a vowel ("an apple", "an hour",
# "an FBI", "an x-ray"); before any other, "a" is right.
_MAY_NEED_AN = frozenset("aeiouhAEIOUHFLMNRSXflmnrsx")
_NEXT_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][a-z]+)?(?=(-?))")
# Nouns naming a label: "variable a equals", "point a and".
_LABELS = frozenset(
    {
        "appendix", "class", "column", "exhibit", "grade", "item", "letter", "option", "part",
        "plan", "point", "row", "schedule", "section", "step", "type", "variable", "vitamin",
    }
)  # fmt: skip
# Silent "h": "an hour", "an honest", "an heir".
_SILENT_H = ("hour", "honest", "honor", "honour", "heir")
# "u" read as "you": "a unit", "a user", "a union" (and "uni" words that are not "un-").
_U_AS_YOU = (
    "unicorn", "unicod", "unicycl", "unif", "unilateral", "union", "uniq", "unison", "unit",
    "univers", "unix", "usa", "use", "usu", "uten", "uter", "uti", "utop", "ura", "ure",
    "uri", "uro", "ubiq", "uku", "ufo", "uvu",
)  # fmt: skip
# "u" read as in "up": "an umbrella", "an unusual", "an urban", "an usher".
_U_AS_UP = ("ub", "ud", "ug", "ul", "um", "unb", "unc", "und", "une", "unf", "ung", "unh",
            "unid", "unim", "unin", "unk", "unl", "unm", "unn", "uno", "unp", "unr", "uns",
            "unt", "unu", "unw", "up", "urb", "urc", "urg", "urn", "ush", "utt")  # fmt: skip
# Letters whose names start with a vowel sound: "an X-ray", "an f-string", "an MRI".
_VOWEL_LETTERS = frozenset("aefhilmnorsx")


def sound(word: str, hyphen: bool) -> str | None:
    """``"vowel"``, ``"consonant"``, or None where spelling does not tell.

    ``word`` is lower case; ``hyphen`` says a hyphen follows it ("x-ray").
    """
    if len(word) == 1:
        if not hyphen:
            return None  # a letter used as a name: "a x b grid"
        return "vowel" if word in _VOWEL_LETTERS else "consonant"
    first = word[0]
    if first == "u":
        if word.startswith(_U_AS_YOU):
            return "consonant"
        return "vowel" if word.startswith(_U_AS_UP) else None
    if first in "aio":
        if word in ("one", "once", "ones", "oneself", "ouija"):
            return "consonant"
        return "vowel"
    if first == "e":
        return "consonant" if word.startswith(("eu", "ewe")) else "vowel"
    if first == "h":
        return "vowel" if word.startswith(_SILENT_H) else "aspirate"
    if first == "y":
        return None if word.startswith("ytt") else "consonant"
    return "consonant"


def _capitalised_sound(word: str, hyphen: bool) -> str | None:
    """The sound of a name: "a European", "an Apple"; None for "Uganda" or "Uber"."""
    if word[0] == "u":
        return None
    if word.startswith("eu"):
        return None if word.startswith("euler") else "consonant"
    return sound(word, hyphen)


def _initialism(word: str) -> str | None:
    """The sound of an upper-case abbreviation read letter by letter ("an FBI", "a URL").

    None for one that may be read as a word ("NASA", "FAQ") or whose first letter
    is read two ways ("an SQL" and "a SQL", "an HTML" and "a HTML").
    """
    if word[1] in "AEIOUY" or word[0] in "SH" or len(word) > 5:
        return None
    return "vowel" if word[0].lower() in _VOWEL_LETTERS else "consonant"


def _wanted(article: str, heard: str | None) -> str | None:
    """The article needed where ``article`` is the wrong one; None when it is right."""
    if article.lower() == "a" and heard == "vowel":
        return article + "n"
    if article.lower() == "an" and heard == "consonant":
        return article[0]
    return None  # right, or "an" before an "h" that some houses write that way


def _joined(text: str, end: int) -> bool:
    """Whether the word ending at ``end`` goes on as a name ("a1", "a.b", "a_b", "a/b")."""
    if end >= len(text):
        return False
    if text[end].isalnum():
        return True
    return text[end] in "_.@/" and end + 1 < len(text) and text[end + 1].isalnum()


def article(ctx: Context) -> Iterator[Edit]:
    text = ctx.text
    english = EnglishParagraphs.of(text)
    first = _FIRST_ARTICLE.match(ctx.lowered)
    for m in itertools.chain([first] if first else [], _ARTICLE.finditer(ctx.lowered)):
        start = m.start()
        written = text[start : start + (2 if ctx.lowered[start + 1] == "n" else 1)]
        if written in "aA" and text[m.end()] not in _MAY_NEED_AN:
            continue
        if written[-1] == "N":
            continue  # "AN", "A": upper-case text, left as it is
        if written[0] == "A" and not is_sentence_start(text, start):
            continue  # "Plan A", "vitamin A": a letter's name
        nxt = _NEXT_WORD.match(text, m.end())
        if nxt is None:
            continue
        word = nxt.group(0)
        end = nxt.end()
        if _joined(text, end):
            continue  # a name with digits, a dotted name, a path
        lower = word.lower()
        if word.isupper() and len(word) > 1:
            heard = _initialism(word)
        elif word[0].isupper() and word[1:].islower():
            heard = _capitalised_sound(lower, bool(nxt.group(1)))
        elif word.islower():
            heard = sound(lower, bool(nxt.group(1)))
            if written.lower() == "an" and lower[0] in "flmnrsx":
                heard = None  # "an mbox", "an xterm": a lower-case name read as letters
        else:
            continue  # "iPhone", "eBay": a name with its own reading
        if lower in FUNCTION_WORDS or lower in ("a", "an"):
            continue  # "a and b", "a or", "a is": the letter a, not an article
        before = text[max(0, start - 20) : start].split()
        if before and before[-1].lower() in _LABELS:
            continue
        wanted = _wanted(written, heard)
        if wanted is None or not ctx.free(start, end) or not english.at(start):
            continue
        yield ctx.edit(
            "normalize.article",
            start,
            start + len(written),
            wanted,
            f"'{wanted.lower()}' before a word that starts with a "
            f"{'vowel' if wanted.lower() == 'an' else 'consonant'} sound",
        )
