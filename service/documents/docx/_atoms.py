"""A paragraph's visible text, as a list of atoms that point back into the XML.

An atom is one element of a run that shows text: a ``w:t`` (its text), or a
one-character element: ``w:tab``/``w:ptab`` (``\\t``), a line break
``w:br``/``w:cr`` (``\\n``) and ``w:noBreakHyphen`` (U+2011). Everything
else in a run (fields' ``w:fldChar`` and ``w:instrText``, drawings, footnote
and comment references, page and column breaks, soft hyphens, symbols)
shows no text here and is never touched.

Runs are collected in document order through hyperlinks, simple fields,
smart tags, content controls, custom XML and tracked insertions; tracked
deletions, move sources and the fallback of ``mc:AlternateContent`` are
skipped, as is anything inside a nested paragraph (a text box).

No paragraph's text holds a blank line, so ``"\\n\\n"`` can separate
paragraphs: a line break at the start or end of the text, or right after
another one, reads as U+2028 LINE SEPARATOR instead of ``\\n``. Newlines
inside a ``w:t`` (Word shows them as spaces) read as spaces.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ._xml import (
    MC_FALLBACK,
    W_BR,
    W_CR,
    W_DEL,
    W_MOVE_FROM,
    W_NO_BREAK_HYPHEN,
    W_P,
    W_PPR,
    W_PTAB,
    W_R,
    W_RPR,
    W_SDT_PR,
    W_T,
    W_TAB,
    W_TYPE,
    Element,
)

LINE_SEPARATOR = "\u2028"
_SKIPPED = frozenset({W_PPR, W_RPR, W_DEL, W_MOVE_FROM, W_SDT_PR, MC_FALLBACK, W_P})
_FIXED = {W_TAB: "\t", W_PTAB: "\t", W_CR: "\n", W_NO_BREAK_HYPHEN: "\u2011"}


@dataclass(slots=True)
class Atom:
    """One text-showing element; ``text`` is what it contributes to the paragraph."""

    element: Element
    run: Element
    text: str
    is_text: bool  # a w:t, whose text may change; otherwise one fixed character


def paragraph_atoms(paragraph: Element) -> list[Atom]:
    """The atoms of a ``w:p``, in reading order."""
    atoms: list[Atom] = []
    for run in _runs(paragraph):
        for child in run:
            tag = child.tag
            if tag == W_T:
                raw = child.text or ""
                shown = raw.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
                atoms.append(Atom(child, run, shown, True))
            elif tag in _FIXED:
                atoms.append(Atom(child, run, _FIXED[tag], False))
            elif tag == W_BR and child.get(W_TYPE) in (None, "textWrapping"):
                atoms.append(Atom(child, run, "\n", False))
    _separate_breaks(atoms)
    return atoms


def atoms_text(atoms: list[Atom]) -> str:
    return "".join(atom.text for atom in atoms)


def paragraph_text(paragraph: Element) -> str:
    """The visible text of a ``w:p`` (see the module docstring)."""
    return atoms_text(paragraph_atoms(paragraph))


def _runs(container: Element) -> Iterator[Element]:
    for child in container:
        tag = child.tag
        if tag == W_R:
            yield child
        elif tag not in _SKIPPED and isinstance(tag, str):
            yield from _runs(child)


def _separate_breaks(atoms: list[Atom]) -> None:
    """Turn line breaks that would make a blank line, or touch an edge, into U+2028."""
    last = ""
    for atom in atoms:
        if atom.text == "\n" and not atom.is_text and last in ("", "\n"):
            atom.text = LINE_SEPARATOR
        if atom.text:
            last = atom.text[-1]
    for atom in reversed(atoms):
        if atom.text == "\n" and not atom.is_text:
            atom.text = LINE_SEPARATOR
        if atom.text:
            break
