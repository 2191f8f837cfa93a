"""Putting refined paragraph texts back into the document they came from."""

from __future__ import annotations

import time
from collections.abc import Sequence

from docx.document import Document

from service.documents.diff import DEADLINE_SECONDS

from ._atoms import atoms_text, paragraph_atoms
from ._package import open_document, save_document
from ._plan import plan_paragraph
from ._render import Revisions, render_in_place, render_tracked
from ._stories import iter_paragraphs
from ._textboxes import mirror_to_fallbacks
from ._xml import Element
from .model import Reach

# How long the word diffs of one document may take in all (as long as one word
# diff may); then the rest are coarse.
DIFF_SECONDS = DEADLINE_SECONDS


class ParagraphCountChanged(ValueError):
    """The texts do not match the document's paragraphs one to one."""


def apply_texts(data: bytes, texts: Sequence[str], reach: Reach = Reach.ALL) -> bytes:
    """The document in ``data`` with paragraph ``i`` showing ``texts[i]``.

    ``texts`` follows ``read_docx(data, reach).paragraphs``. Only the text
    elements a change touches are edited (see ``_plan`` and ``_render``), so
    paragraphs, styles, numbering, tables, images, sections, hyperlink
    targets, fields, bookmarks, comments and footnote references stay. A
    text box edited is copied over its fallback twin (``_textboxes``).
    Raises ``DocxRejected`` for an unsafe or unreadable document and
    ``ParagraphCountChanged`` when ``len(texts)`` is not the paragraph count.
    """
    document = open_document(data)
    rewrite(document, texts, reach=reach)
    return save_document(document)


def rewrite(
    document: Document,
    texts: Sequence[str],
    revisions: Revisions | None = None,
    reach: Reach = Reach.ALL,
) -> int:
    """Edit ``document`` in place (as tracked changes with ``revisions``); paragraphs changed."""
    located = list(iter_paragraphs(document, reach))
    if len(texts) != len(located):
        raise ParagraphCountChanged(
            f"the document has {len(located)} paragraphs but {len(texts)} texts were given"
        )
    edited: list[Element] = []
    # One deadline for the whole document's word diffs: each paragraph's own
    # would let a document of many long paragraphs take minutes.
    deadline = time.time() + DIFF_SECONDS
    for place, new in zip(located, texts, strict=True):
        atoms = paragraph_atoms(place.element)
        old = atoms_text(atoms)
        if old == new:
            continue
        edited.append(place.element)
        plan = plan_paragraph(atoms, old, new, deadline)
        if revisions is None:
            render_in_place(place.element, atoms, plan)
        else:
            render_tracked(place.element, atoms, plan, revisions)
    mirror_to_fallbacks(edited, revisions)
    return len(edited)
