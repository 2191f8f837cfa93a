"""A word diff in the terminal: insertions green and underlined, deletions red and struck.

Without colour (a pipe), the same diff reads as ``[-deleted-]{+inserted+}``,
as ``git diff --word-diff`` writes it.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text


def render(diff: dict[str, Any], console: Console) -> None:
    stats = diff["stats"]
    console.print(
        f"pass {diff['from_pass']} → {diff['to_pass']}: +{stats['inserted_words']} words, "
        f"-{stats['deleted_words']} words, {stats['words_before']} → {stats['words_after']} "
        f"words, {stats['changed_ratio'] * 100:.1f}% changed",
        markup=False,
        highlight=False,
    )
    console.print(word_diff(diff["ops"], colour=console.is_terminal), soft_wrap=True)


def word_diff(ops: list[dict[str, str]], *, colour: bool) -> Text:
    text = Text()
    for op in ops:
        kind, part = op["op"], op["text"]
        if kind == "insert":
            text.append(part, "green underline") if colour else text.append(f"{{+{part}+}}")
        elif kind == "delete":
            text.append(part, "red strike") if colour else text.append(f"[-{part}-]")
        else:
            text.append(part)
    return text
