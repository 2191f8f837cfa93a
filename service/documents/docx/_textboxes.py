"""Text boxes: where their paragraphs are, and keeping Word's two copies alike.

A text box is a ``w:txbxContent`` inside a run, holding paragraphs (and
tables) of its own. Word writes each shape twice, inside
``mc:AlternateContent``: a DrawingML one in ``mc:Choice``, which every
current reader shows, and a VML one in ``mc:Fallback`` for older readers.
The text model reads the first, right after the paragraph that anchors it;
once it is edited, the fallback is made a copy of it, so that no reader
shows the old text.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from docx.oxml.ns import qn

from ._render import Revisions
from ._xml import MC_ALTERNATE_CONTENT, MC_CHOICE, MC_FALLBACK, Element

W_TXBX_CONTENT = qn("w:txbxContent")


def text_boxes(paragraph: Element) -> list[Element]:
    """The text boxes anchored in ``paragraph``, in order; not fallback copies, and
    not boxes inside other boxes (those belong to the paragraphs of their box)."""
    return _boxes_in(paragraph, outside=(MC_FALLBACK, W_TXBX_CONTENT))


def mirror_to_fallbacks(edited: Iterable[Element], revisions: Revisions | None = None) -> None:
    """Copy each text box holding an ``edited`` paragraph over its fallback twin.

    The copy's tracked changes get ``w:id`` values of their own from ``revisions``.
    """
    alternates = {
        id(ancestor): ancestor
        for paragraph in edited
        for ancestor in paragraph.iterancestors(MC_ALTERNATE_CONTENT)
    }
    # Innermost first, so that an outer box copies inner boxes already mirrored.
    for alternate in sorted(alternates.values(), key=_depth, reverse=True):
        choice, fallback = alternate.find(MC_CHOICE), alternate.find(MC_FALLBACK)
        if choice is None or fallback is None:
            continue
        shown = _boxes_in(choice, outside=(W_TXBX_CONTENT,))
        kept = _boxes_in(fallback, outside=(W_TXBX_CONTENT,))
        if len(shown) != len(kept):
            continue  # not twins: leave the fallback as it was
        for source, target in zip(shown, kept, strict=True):
            for child in list(target):
                target.remove(child)
            for child in source:
                target.append(copy.deepcopy(child))
            if revisions is not None:
                revisions.renumber(target)


def _boxes_in(top: Element, outside: tuple[str, ...]) -> list[Element]:
    """The text boxes below ``top`` that are not inside an element tagged one of ``outside``."""
    return [box for box in top.iter(W_TXBX_CONTENT) if not _between(box, top, outside)]


def _between(element: Element, top: Element, tags: tuple[str, ...]) -> bool:
    """Whether an ancestor of ``element`` below ``top`` has one of ``tags``."""
    for ancestor in element.iterancestors():
        if ancestor is top:
            return False
        if ancestor.tag in tags:
            return True
    return False


def _depth(element: Element) -> int:
    return sum(1 for _ in element.iterancestors())
