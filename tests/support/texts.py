"""Texts that every local strategy has something to do with."""

from __future__ import annotations

SAMPLE = (
    "We  need to utilize the the tools in order to commence the work.\n\n"
    "Due to the fact that the plan is ready , each and every team can facilitate it."
)


def long_text(paragraphs: int = 4000) -> str:
    """A few hundred KB of prose that takes the local engine a while per pass."""
    return "\n\n".join(
        f"Paragraph {i}: in order to utilize the the system we must commence at this point in "
        "time , due to the fact that each and every part is basically ready."
        for i in range(paragraphs)
    )


SENTENCE = "The committee reviewed the proposal and agreed to revisit the budget later. "


def paragraphs(count: int, tag: str = "") -> str:
    """``count`` paragraphs of six sentences; ``tag`` marks each for the fake model's rules."""
    return "\n\n".join(f"Paragraph {i}{tag}: {SENTENCE * 6}".strip() for i in range(count))


def mark(document: str) -> str:
    """The fake model's edit for multi-pass tests: one mark per paragraph per pass."""
    return "\n\n".join(p + " +" for p in document.split("\n\n"))
