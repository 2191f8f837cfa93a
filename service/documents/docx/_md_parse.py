"""Parsing Markdown with a cap on its elements, and a way to stop it midway.

An element is a token of markdown-it-py: a block's opening or closing, a
piece of text, a mark of emphasis, a link, a line break. Writing a document
costs about the same per element, so the cap bounds that work; parsing
costs per element too, so the parser itself stops at the cap, before it
has built the tokens of a document dense in markup (a million ``*a*`` make
three million tokens and gigabytes of them). Rules at the head of the block
and inline chains count, and call ``checkpoint`` every so often, which may
raise to stop the parse (a cancelled job's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .safety import DocxRejected

# The elements of one document written as ``.docx``: a book of 300 pages is about
# 30,000, and 5,000,000 characters of prose about 150,000; this many take a
# few seconds and a few hundred MB to parse and write.
MAX_ELEMENTS = 250_000
# Elements parsed or written between two calls of a checkpoint.
CHECK_EVERY = 2048

_LIMIT = "refiner_element_limit"
_COUNT = "refiner_elements"
_PACER = "refiner_pacer"


class TooManyElements(DocxRejected):
    """The document has more elements than one ``.docx`` may be written from."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the document has more than {limit:,} elements (paragraphs, and in Markdown "
            f"also pieces of text, marks of emphasis and links): a .docx is written from "
            f"{limit:,} at most"
        )
        self.limit = limit


class Pacer:
    """Calls ``checkpoint`` once per ``every`` ticks."""

    __slots__ = ("_checkpoint", "_every", "_left")

    def __init__(self, checkpoint: Callable[[], None] | None, every: int = CHECK_EVERY) -> None:
        self._checkpoint = checkpoint
        self._every = every
        self._left = every

    def tick(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._left = self._every
            if self._checkpoint is not None:
                self._checkpoint()


def capped_parser(preset: MarkdownIt) -> MarkdownIt:
    """``preset`` with the counting rules added: they do nothing unless ``parse`` is used."""
    preset.block.ruler.before(preset.block.ruler.get_all_rules()[0], "element_cap", _block_guard)
    preset.inline.ruler.before(preset.inline.ruler.get_all_rules()[0], "element_cap", _inline_guard)
    preset.core.ruler.at("inline", _inline_counted)
    return preset


def parse(
    parser: MarkdownIt,
    text: str,
    *,
    limit: int = MAX_ELEMENTS,
    checkpoint: Callable[[], None] | None = None,
) -> list[Token]:
    """The tokens of ``text``; raises ``TooManyElements`` past ``limit``, as soon as it is."""
    env: dict[str, Any] = {_LIMIT: limit, _COUNT: 0, _PACER: Pacer(checkpoint)}
    return parser.parse(text, env)


def element_count(tokens: list[Token]) -> int:
    return len(tokens) + sum(len(token.children or ()) for token in tokens)


def _block_guard(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    limit = state.env.get(_LIMIT)
    if limit is not None:
        if len(state.tokens) > limit:
            raise TooManyElements(limit)
        state.env[_PACER].tick()
    return False


def _inline_guard(state: StateInline, silent: bool) -> bool:
    limit = state.env.get(_LIMIT)
    if limit is not None and not silent:
        if state.env[_COUNT] + len(state.tokens) > limit:
            raise TooManyElements(limit)
        state.env[_PACER].tick()
    return False


def _inline_counted(state: StateCore) -> None:
    """markdown-it's own ``inline`` core rule, counting the elements parsed so far."""
    state.env[_COUNT] = len(state.tokens)
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)
            state.env[_COUNT] += len(token.children)
    limit = state.env.get(_LIMIT)
    if limit is not None and state.env[_COUNT] > limit:
        raise TooManyElements(limit)
