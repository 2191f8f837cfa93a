"""Writing a paragraph's plan back into its XML.

``render_in_place`` edits the text elements a change touches and nothing
else: untouched ``w:t`` elements stay as they were, a touched one keeps its
attributes, and a run is removed only when nothing but its properties is
left. ``render_tracked`` splits each touched run at the changes, each part
with a copy of the run's properties, and wraps deleted parts in ``w:del``
(their text as ``w:delText``) and inserted ones in ``w:ins``. Non-text run
content (field characters and instructions, drawings, footnote and comment
references) stays in its run in both modes; bookmarks and comment ranges,
which sit between runs, are never moved.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ._atoms import LINE_SEPARATOR, Atom
from ._plan import Piece, PieceKind, Plan
from ._xml import (
    W_AUTHOR,
    W_DATE,
    W_DEL,
    W_ID,
    W_INS,
    W_RPR,
    Element,
    new_element,
    set_text,
    text_element,
)

_SPECIAL = re.compile(f"([\t\n{LINE_SEPARATOR}])")


@dataclass(slots=True)
class Revisions:
    """Author, date and the next ``w:id`` for the tracked changes of one document."""

    author: str
    date: datetime
    next_id: int
    count: dict[str, int] = field(default_factory=lambda: {"ins": 0, "del": 0})

    def wrap(self, kind: PieceKind, run: Element) -> Element:
        wrapper = new_element("w:ins" if kind == "ins" else "w:del")
        wrapper.set(W_ID, str(self.next_id))
        wrapper.set(W_AUTHOR, self.author)
        wrapper.set(W_DATE, self.date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.next_id += 1
        self.count[kind] += 1
        wrapper.append(run)
        return wrapper

    def renumber(self, tree: Element) -> None:
        """Give each revision in ``tree`` a new ``w:id``: a copy may not share its original's."""
        for mark in tree.iter(W_INS, W_DEL):
            mark.set(W_ID, str(self.next_id))
            self.next_id += 1


def render_in_place(paragraph: Element, atoms: list[Atom], plan: Plan) -> None:
    runs: dict[int, Element] = {}
    for atom, pieces, touched in zip(atoms, plan.pieces, plan.touched, strict=True):
        if not touched:
            continue
        runs[id(atom.run)] = atom.run
        shown = [piece for piece in pieces if piece.kind != "del"]
        elements = list(_elements(atom, shown, "w:t", reuse=True))
        _replace(atom.element, elements)
    for run in runs.values():
        if all(child.tag == W_RPR for child in run):
            run.getparent().remove(run)
    if plan.orphan:
        run = new_element("w:r")
        run.extend(_text_elements(plan.orphan, "w:t"))
        paragraph.append(run)


def render_tracked(paragraph: Element, atoms: list[Atom], plan: Plan, revisions: Revisions) -> None:
    by_element = {
        id(atom.element): (atom, pieces)
        for atom, pieces, touched in zip(atoms, plan.pieces, plan.touched, strict=True)
        if touched
    }
    runs = {id(atom.run): atom.run for atom, _ in by_element.values()}
    for run in runs.values():
        properties = run.find(W_RPR)
        parts: list[tuple[PieceKind, Element]] = []
        for child in list(run):
            if child.tag == W_RPR:
                continue
            entry = by_element.get(id(child))
            if entry is None:
                parts.append(("keep", child))
                continue
            atom, pieces = entry
            for piece in pieces:
                tag = "w:delText" if piece.kind == "del" else "w:t"
                for element in _elements(atom, [piece], tag, reuse=False):
                    parts.append((piece.kind, element))
        _replace(run, list(_split_run(run, properties, parts, revisions)))
    if plan.orphan:
        run = new_element("w:r")
        run.extend(_text_elements(plan.orphan, "w:t"))
        paragraph.append(revisions.wrap("ins", run))


def _split_run(
    run: Element,
    properties: Element | None,
    parts: list[tuple[PieceKind, Element]],
    revisions: Revisions,
) -> Iterator[Element]:
    group: list[Element] = []
    kind: PieceKind = "keep"
    for index, (part_kind, element) in enumerate(parts):
        if group and part_kind != kind:
            yield _new_run(run, properties, kind, group, revisions)
            group = []
        kind = part_kind
        group.append(element)
        if index == len(parts) - 1:
            yield _new_run(run, properties, kind, group, revisions)


def _new_run(
    run: Element,
    properties: Element | None,
    kind: PieceKind,
    children: list[Element],
    revisions: Revisions,
) -> Element:
    new = new_element("w:r")
    for name, value in run.attrib.items():
        new.set(name, value)
    if properties is not None:
        new.append(copy.deepcopy(properties))
    new.extend(children)
    return new if kind == "keep" else revisions.wrap(kind, new)


def _elements(atom: Atom, pieces: list[Piece], tag: str, *, reuse: bool) -> Iterator[Element]:
    """The elements that show ``pieces`` in ``atom``'s place."""
    text = ""
    for piece in pieces:
        if piece.own:
            if text:
                yield from _text_elements(text, tag)
                text = ""
            yield atom.element
        else:
            text += piece.text
    if not text:
        return
    if reuse and atom.is_text and not _SPECIAL.search(text):
        # Keep the original w:t (and its attributes) for its own new text.
        set_text(atom.element, text)
        yield atom.element
        return
    yield from _text_elements(text, tag)


def _text_elements(text: str, tag: str) -> Iterator[Element]:
    """``w:t`` (or ``w:delText``) pieces, with tabs and line breaks as elements."""
    for chunk in _SPECIAL.split(text):
        if chunk == "\t":
            yield new_element("w:tab")
        elif chunk in ("\n", LINE_SEPARATOR):
            yield new_element("w:br")
        elif chunk:
            yield text_element(tag, chunk)


def _replace(element: Element, replacements: list[Element]) -> None:
    """Put ``replacements`` (which may hold ``element`` itself) where ``element`` is.

    Placed next to their neighbour rather than by index: finding an index
    walks the siblings, which made a run of many text elements quadratic.
    """
    kept = any(r is element for r in replacements)
    anchor = element
    after = False
    for replacement in replacements:
        if replacement is element:
            after = True
        elif after:
            anchor.addnext(replacement)
            anchor = replacement
        else:
            element.addprevious(replacement)
    if not kept:
        element.getparent().remove(element)
