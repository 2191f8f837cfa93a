"""The ``local`` engine: the rule refiner of :mod:`service.engines.local`, off the event loop.

A document is refined in chunks of whole paragraphs, each in a worker thread,
so the event loop stays free, progress can be reported, and a cancelled job
stops within one chunk. The rules never join or break paragraphs, so
chunks can be refined apart: a chunk starts with a paragraph of prose, never
inside a code block or a comment, and the document-wide choices (the
majority quote and dash styles, one or two spaces between sentences) are
made once on the whole text and passed to every chunk. A chunk is then
refined as it would be inside the whole document, and a second pass finds
nothing more to do. Which words ``spelling`` must leave because the document
repeats them is counted on the whole text too. A pass the automatic plan
chose is skipped where it does not suit the whole document (``plain`` in a
contract or a novel).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping

import anyio.to_thread

from service.engines import local
from service.engines.base import (
    PassOptions,
    PassOutcome,
    ProgressCallback,
    StrategyInfo,
    UnsupportedOption,
)
from service.engines.edits import Edit

CHUNK_CHARS = 64 * 1024


def paragraph_chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """Split at blank lines into chunks of about ``size`` characters, with their offsets.

    Each chunk after the first starts where the rules read it as they would
    inside the whole (``local.may_start_piece``): never inside code, a comment
    or front matter, nor with a block that reads differently on its own.
    """
    if len(text) <= size:
        if text:
            yield 0, text
        return
    protected = local.protected_spans(text)
    start = 0
    while start < len(text):
        cut = text.find("\n\n", start + size)
        while cut != -1:
            cut += 2
            if local.may_start_piece(text, cut, protected):
                break
            cut = text.find("\n\n", cut)
        if cut == -1 or cut >= len(text):
            yield start, text[start:]
            return
        yield start, text[start:cut]
        start = cut


class LocalEngine:
    """``dictionary``: the deployment's words that ``spelling`` never corrects."""

    name = "local"
    chunk_chars = CHUNK_CHARS  # the size of the pieces a document is refined in

    def __init__(self, dictionary: frozenset[str] = frozenset()) -> None:
        self._dictionary = dictionary

    def strategies(self) -> Mapping[str, StrategyInfo]:
        return {
            name: StrategyInfo(info.name, info.description, tuple(info.categories))
            for name, info in local.STRATEGIES.items()
        }

    def default_plan(self) -> tuple[str, ...]:
        return tuple(local.STRATEGIES)

    def validate(self, strategies: tuple[str, ...], options: PassOptions) -> None:
        unknown = [s for s in strategies if s not in local.STRATEGIES]
        if unknown:
            allowed = ", ".join(local.STRATEGIES)
            raise UnsupportedOption(
                f"unknown strategy {unknown[0]!r} for the local engine; it runs: {allowed}"
            )
        try:
            local.validate_disabled(options.disabled_rules)
        except local.UnknownRule as exc:
            raise UnsupportedOption(str(exc)) from None

    async def run_pass(
        self, text: str, strategy: str, options: PassOptions, progress: ProgressCallback
    ) -> PassOutcome:
        if options.automatic and not await anyio.to_thread.run_sync(
            local.suits_automatic_plan, text, strategy
        ):
            progress(1, 1, None)
            return PassOutcome(text)
        chunks = list(paragraph_chunks(text, self.chunk_chars))
        house = None
        if len(chunks) > 1 and local.follows_house_style(strategy):
            # Quotes and dashes follow what most of the document uses: decided once, on all of it.
            house = await anyio.to_thread.run_sync(local.house_style, text)
        vocabulary = None
        if strategy == "spelling":
            words = self._dictionary | options.dictionary
            vocabulary = await anyio.to_thread.run_sync(local.vocabulary, text, words)
        pieces: list[str] = []
        edits: list[Edit] = []
        for done, (offset, chunk) in enumerate(chunks, start=1):
            result = await anyio.to_thread.run_sync(
                functools.partial(
                    local.refine,
                    chunk,
                    strategy,
                    disabled=options.disabled_rules,
                    house=house,
                    vocabulary=vocabulary,
                )
            )
            pieces.append(result.text)
            edits.extend(_shift(e, offset) for e in result.edits)
            progress(done, len(chunks), None)
        return PassOutcome("".join(pieces), tuple(edits))


def _shift(edit: Edit, offset: int) -> Edit:
    if offset == 0:
        return edit
    return Edit(
        edit.rule,
        edit.category,
        edit.start + offset,
        edit.end + offset,
        edit.before,
        edit.after,
        edit.reason,
    )
