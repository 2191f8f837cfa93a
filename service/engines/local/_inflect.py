"""Load the plain-words table, spelling out every inflected form with lemminflect.

The table names a verb once, in its base form; lemminflect (an offline
lexicon of English inflections that ships its data) gives the forms of both
the formal verb and its plain replacement, so "endeavoured to" becomes
"tried to" and "ascertains" becomes "finds out" without a hand-kept list.
Loading its inflection table costs about a second at import (its lemmatiser
is never loaded); matching uses only the resulting table, so the rules run
at the speed of one regex.
"""

from __future__ import annotations

import lemminflect

from ._data import Entry, data_lines, parse_conditions

_VERB_TAGS = ("VB", "VBZ", "VBG", "VBD", "VBN")
# Participles that are not the same in British and American English: such a form is left out.
_REGIONAL = frozenset({"gotten"})


def _inflect(word: str, tag: str) -> str:
    forms = lemminflect.getInflection(word, tag)
    return forms[0] if forms else word


def _verb_forms(phrase: str, replacement: str) -> dict[str, tuple[str, str | None]]:
    """Each surface form of ``phrase`` with its replacement (and a participle alternative)."""
    head, _, rest = phrase.partition(" ")
    new_head, _, new_rest = replacement.partition(" ")
    tail = f" {rest}" if rest else ""
    new_tail = f" {new_rest}" if new_rest else ""
    out: dict[str, tuple[str, str | None]] = {}
    for tag in _VERB_TAGS:
        form = _inflect(head, tag) + tail
        plain = _inflect(new_head, tag) + new_tail
        if form in out:
            known, _ = out[form]
            if known != plain and tag == "VBN":
                if plain.partition(" ")[0] in _REGIONAL:
                    del out[form]  # "has obtained": "has got" or "has gotten"
                else:
                    out[form] = (known, plain)  # "demonstrated": "showed" or "shown"
            continue
        out[form] = (plain, None)
    return out


def _verb_needs(lemma: str, form: str) -> frozenset[str]:
    """Checks a verb form needs because it can also be read as a noun.

    The noun's forms come from the inflection table already loaded, so the
    lemmatiser's own (larger) table is never read.
    """
    nouns = lemminflect.getAllInflections(lemma.partition(" ")[0], "NOUN")
    head = form.partition(" ")[0]
    if any(head in forms for forms in nouns.values()):
        return frozenset({"verb-slot"})  # "endeavours" is a noun in "his endeavours to"
    return frozenset()


def load_swaps(name: str) -> dict[str, Entry]:
    """Map each lower-case form to its entry.

    Rows are ``phrase pos replacement conditions reason``.
    """
    table: dict[str, Entry] = {}
    for number, line in enumerate(data_lines(name), 1):
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) != 5:
            raise ValueError(f"{name}:{number}: expected 5 tab-separated cells: {line!r}")
        phrase, pos, replacement, raw, reason = cells
        cond = parse_conditions(raw)
        forms = _verb_forms(phrase, replacement) if pos == "VERB" else {phrase: (replacement, None)}
        if "not-past" in cond.flags:
            forms = {f: v for f, v in forms.items() if not f.partition(" ")[0].endswith("ed")}
        for form, (plain, participle) in forms.items():
            needs = cond.flags | _verb_needs(phrase, form) if pos == "VERB" else cond.flags
            if form in table:
                raise ValueError(f"{name}:{number}: duplicate phrase {form!r}")
            table[form] = Entry(
                form,
                plain,
                reason,
                pos,
                needs,
                cond.avoid_before,
                cond.only_before,
                cond.avoid_after,
                cond.only_after,
                participle,
            )
    return table
