"""Where each change of a paragraph's text goes among its atoms.

A word diff of the old and new text gives equal, deleted and inserted
spans. Equal and deleted characters stay with the atom they came from, so
an unchanged word keeps its run. Inserted text goes into one atom, whose
run gives it its formatting:

- a replacement (a deletion next to an insertion) goes where the deleted
  span starts, so it takes the formatting of the run it starts in;
- a pure insertion joins the text before it, or the text after it when it
  starts with a space (new words after a bold word are not bold), or, in
  a paragraph with no text element at all, a new run.

The plan records this as pieces per atom; ``_render`` turns them into XML,
either edited in place or as tracked changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Literal

from service.documents.diff import word_diff

from ._atoms import Atom

PieceKind = Literal["keep", "ins", "del"]


@dataclass(slots=True)
class Piece:
    kind: PieceKind
    text: str
    own: bool = False  # the atom's own one-character element, rather than text


@dataclass(slots=True)
class Plan:
    pieces: list[list[Piece]]  # one list per atom, in reading order
    touched: list[bool]  # whether an atom changes at all
    orphan: str = ""  # text inserted into a paragraph that has no text element at all


def plan_paragraph(atoms: list[Atom], old: str, new: str, deadline: float | None = None) -> Plan:
    """The pieces that turn ``old`` (the atoms' text) into ``new``; the word diff's
    ``deadline`` is the document's, shared by its paragraphs."""
    plan = Plan(pieces=[[] for _ in atoms], touched=[False] * len(atoms))
    if old == new:
        for index, atom in enumerate(atoms):
            if atom.text:
                plan.pieces[index].append(Piece("keep", atom.text, own=not atom.is_text))
        return plan
    owner = [index for index, atom in enumerate(atoms) for _ in atom.text]
    ends = list(accumulate(len(atom.text) for atom in atoms))  # where each atom's text ends
    ops = word_diff(old, new, deadline).ops
    pos = 0
    deleted_from: int | None = None
    for n, op in enumerate(ops):
        if op.op == "insert":
            following = ops[n + 1].op if n + 1 < len(ops) else None
            if deleted_from is not None:
                target: int | None = deleted_from
            elif following == "delete":
                target = owner[pos]
            else:
                target = _insertion_target(atoms, owner, pos, op.text)
            if target is None:
                plan.orphan += op.text
            else:
                _add(plan, target, Piece("ins", op.text))
            deleted_from = None
            continue
        kind: PieceKind = "keep" if op.op == "equal" else "del"
        deleted_from = owner[pos] if kind == "del" else None
        done = 0
        while done < len(op.text):  # the span, cut where one atom's text ends
            index = owner[pos]
            take = min(len(op.text) - done, ends[index] - pos)
            piece = Piece(kind, op.text[done : done + take], own=not atoms[index].is_text)
            _add(plan, index, piece)
            pos += take
            done += take
    for index, atom in enumerate(atoms):
        pieces = plan.pieces[index]
        plan.touched[index] = plan.touched[index] or not (
            (not atom.text and not pieces)
            or (len(pieces) == 1 and pieces[0].kind == "keep" and pieces[0].text == atom.text)
        )
    return plan


def _add(plan: Plan, index: int, piece: Piece) -> None:
    """Append a piece, merging it into the previous one of its kind."""
    pieces = plan.pieces[index]
    if pieces and not piece.own and not pieces[-1].own and pieces[-1].kind == piece.kind:
        pieces[-1].text += piece.text
    else:
        pieces.append(piece)
    if piece.kind != "keep":
        plan.touched[index] = True


def _insertion_target(atoms: list[Atom], owner: list[int], pos: int, text: str) -> int | None:
    before = owner[pos - 1] if pos > 0 else None
    after = owner[pos] if pos < len(owner) else None
    order = (after, before) if text[:1].isspace() else (before, after)
    candidates = [index for index in order if index is not None]
    for index in candidates:
        if atoms[index].is_text:
            return index
    if candidates:
        return candidates[0]
    # No character at all: the first text element (an empty w:t), if any.
    for index, atom in enumerate(atoms):
        if atom.is_text:
            return index
    return None
