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
