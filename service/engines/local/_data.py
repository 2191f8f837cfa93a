"""Load the word lists in ``data/`` once, at import.

Tables are tab-separated: ``phrase<TAB>replacement<TAB>reason``. A phrase cell
may list inflected forms separated by ``|``; the replacement cell then lists
the matching forms in the same order, so inflection is spelled out in data
rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Entry:
    """One phrase and what replaces it, with the reason shown to users."""

    phrase: str
    replacement: str
    reason: str


def data_lines(name: str) -> list[str]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def load_words(name: str) -> frozenset[str]:
    return frozenset(line.strip().lower() for line in data_lines(name))


def load_table(name: str) -> dict[str, Entry]:
    """Map each lower-case phrase form to its entry."""
    table: dict[str, Entry] = {}
    for number, line in enumerate(data_lines(name), 1):
        cells = line.split("\t")
        if len(cells) != 3:
            raise ValueError(f"{name}:{number}: expected 3 tab-separated cells: {line!r}")
        forms = [f.strip().lower() for f in cells[0].split("|")]
        outs = [o.strip() for o in cells[1].split("|")]
        if len(forms) != len(outs):
            raise ValueError(f"{name}:{number}: {len(forms)} forms but {len(outs)} replacements")
        for form, out in zip(forms, outs, strict=True):
            if form in table:
                raise ValueError(f"{name}:{number}: duplicate phrase {form!r}")
            table[form] = Entry(form, out, cells[2].strip())
    return table
