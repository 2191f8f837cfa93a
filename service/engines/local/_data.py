"""Load the word lists in ``data/`` once, at import.

Tables are tab-separated: ``phrase<TAB>replacement<TAB>reason``, with an
optional fourth cell of context conditions (see ``_checks``). A phrase cell
may list inflected forms separated by ``|``; the replacement cell then lists
the matching forms in the same order.
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
    pos: str = ""  # part of speech of the phrase, where the table gives one
    conditions: frozenset[str] = frozenset()  # context checks, see ``_checks``
    avoid_before: frozenset[str] = frozenset()  # next words that rule the swap out
    only_before: frozenset[str] = frozenset()  # the next word must be one of these, if any
    avoid_after: frozenset[str] = frozenset()  # previous words that rule the swap out
    only_after: frozenset[str] = frozenset()  # the previous word must be one of these, if any
    participle: str | None = None  # the replacement when this form is a past participle


@dataclass(frozen=True, slots=True)
class Conditions:
    """A table row's context conditions; ``[not-]before=`` and ``[not-]after=`` carry words."""

    flags: frozenset[str] = frozenset()
    avoid_before: frozenset[str] = frozenset()
    only_before: frozenset[str] = frozenset()
    avoid_after: frozenset[str] = frozenset()
    only_after: frozenset[str] = frozenset()


def parse_conditions(cell: str) -> Conditions:
    flags = frozenset() if cell in ("", "-") else frozenset(cell.split())
    lists = {name: frozenset[str]() for name in ("not-before", "before", "not-after", "after")}
    for flag in flags:
        name, _, words = flag.partition("=")
        if name in lists:
            lists[name] = frozenset(words.split(","))
    return Conditions(
        flags, lists["not-before"], lists["before"], lists["not-after"], lists["after"]
    )


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
        if len(cells) not in (3, 4):
            raise ValueError(f"{name}:{number}: expected 3 or 4 tab-separated cells: {line!r}")
        cond = parse_conditions(cells[3].strip() if len(cells) == 4 else "")
        forms = [f.strip().lower() for f in cells[0].split("|")]
        outs = [o.strip() for o in cells[1].split("|")]
        if len(forms) != len(outs):
            raise ValueError(f"{name}:{number}: {len(forms)} forms but {len(outs)} replacements")
        for form, out in zip(forms, outs, strict=True):
            if form in table:
                raise ValueError(f"{name}:{number}: duplicate phrase {form!r}")
            table[form] = Entry(
                form,
                out,
                cells[2].strip(),
                conditions=cond.flags,
                avoid_before=cond.avoid_before,
                only_before=cond.only_before,
                avoid_after=cond.avoid_after,
                only_after=cond.only_after,
            )
    return table
