"""One pass of the ``openai`` engine over one document: chunks asked concurrently.

Every chunk is a task of one task group, bounded by the pass's own limiter
(``concurrency_per_job``: a job runs one pass at a time, so this is the
job's limit) and the engine's, shared by every job. A slot is held only
while a request is in flight, never during a backoff wait. Each chunk
ends with some text, never with none: its answer if the guard accepts it,
else its previous text. Only a failure that no retry can mend (a bad key, an
unknown model, retries run out) ends the pass; it cancels the other chunks,
whose requests are aborted with them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import anyio
import openai

from service.engines.base import EngineError
from service.engines.llm.chunking import Chunk, estimate_tokens, halve, is_code
from service.engines.llm.completion import Answer, Request, ask_with_retries, stream_answer
from service.engines.llm.config import LLMConfig
from service.engines.llm.dialect import Dialects
from service.engines.llm.errors import ContextTooLong, TooSlow
from service.engines.llm.guard import clean_answer, keep_gaps, rejection
from service.engines.llm.progress import ChunkProgress, PassProgress
from service.engines.llm.prompts import PromptBook

log = logging.getLogger(__name__)

# Tokens the chat format adds around the messages.
FRAMING_TOKENS = 16
# The least room an answer needs for a request to be worth sending.
MIN_ANSWER_TOKENS = 32
# The most room an answer gets, by the chunk's size: a refined text is about
# as long as its source, and a model that runs on is stopped early.
ANSWER_ROOM_FACTOR = 4
ANSWER_ROOM_EXTRA = 256
# How many times a chunk is halved at most (into 16 pieces), and the shortest
# paragraph cut in two: a model that runs to its limit on every piece, or a
# server that finds every request too long, is not helped by fragments.
MAX_SPLITS = 4
MIN_CUT_PARAGRAPH_CHARS = 400


@dataclass(slots=True)
class Tally:
    """What a pass cost and how it went, for its metrics; mutable while the pass runs."""

    chunks: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    retries: int = 0
    splits: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def metrics(self, cost: float | None) -> dict[str, float | int]:
        found: dict[str, float | int] = {
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "chunks": self.chunks,
            "chunks_rejected": self.rejected,
            "chunks_split": self.splits,
            "retries": self.retries,
        }
        if cost is not None:
            found["cost"] = round(cost, 8)
        return found


@dataclass(slots=True)
class PassRun:
    client: openai.AsyncOpenAI
    config: LLMConfig
    book: PromptBook
    strategy: str
    model: str
    temperature: float
    window: int
    shared_limiter: anyio.CapacityLimiter
    secret: str | None
    dialects: Dialects  # the engine's, shared by its passes: what a model was found to refuse
    tally: Tally = field(default_factory=Tally)

    async def run(self, chunks: list[Chunk], progress: PassProgress) -> str:
        """The refined text of ``chunks``, in order; raises ``EngineError`` if the pass fails."""
        self.tally.chunks = len(chunks)
        results = [c.text for c in chunks]
        limiter = anyio.CapacityLimiter(self.config.concurrency_per_job)
        failure: EngineError | None = None

        async def refine(index: int, chunk: Chunk, scope: anyio.CancelScope) -> None:
            nonlocal failure
            part = progress.chunk(index)
            try:
                results[index] = await self.refine(chunk, part, limiter)
            except EngineError as exc:
                if failure is None:
                    failure = exc
                scope.cancel()
                return
            part.finish()

        async with anyio.create_task_group() as tg:
            for index, chunk in enumerate(chunks):
                tg.start_soon(refine, index, chunk, tg.cancel_scope)
        if failure is not None:
            raise failure
        return "".join(results)

    async def refine(
        self, chunk: Chunk, part: ChunkProgress, limiter: anyio.CapacityLimiter, splits: int = 0
    ) -> str:
        """``chunk``'s new text; its old one where the model's answer cannot be used.

        ``splits``: how many times the chunk's text was halved to get here.
        """
        if not chunk.body or is_code(chunk.body):
            part.settle(chunk.body)
            return chunk.text

        def retrying() -> None:
            self.tally.retries += 1
            part.restart()

        try:
            answer = await ask_with_retries(
                lambda: self._ask(chunk.body, part, limiter),
                policy=self.config.retry,
                model=self.model,
                secret=self.secret,
                on_retry=retrying,
                adapt=lambda refused: self.dialects.learn(self.model, refused),
            )
            if answer.truncated:
                raise ContextTooLong("the answer was cut off at the token limit")
        except ContextTooLong as exc:
            part.restart()
            halves = halve(chunk, shortest=MIN_CUT_PARAGRAPH_CHARS) if splits < MAX_SPLITS else None
            if halves is None:
                return self._keep(chunk, part, str(exc))
            self.tally.splits += 1
            first = await self.refine(halves[0], part, limiter, splits + 1)
            part.space(halves[0].trail + halves[1].lead)
            return first + await self.refine(halves[1], part, limiter, splits + 1)
        if answer.finish_reason == "content_filter":
            return self._keep(chunk, part, "the model's content filter withheld the answer")
        cleaned = clean_answer(answer.text, chunk.body)
        reason = rejection(chunk.body, cleaned, max_word_loss=self.config.max_word_loss)
        if reason is not None:
            return self._keep(chunk, part, reason)
        cleaned = keep_gaps(chunk.body, cleaned)
        part.settle(cleaned)
        return chunk.with_body(cleaned).text

    async def _ask(self, body: str, part: ChunkProgress, limiter: anyio.CapacityLimiter) -> Answer:
        system, user = self.book.render(self.strategy, body)
        prompt_tokens = estimate_tokens(system) + estimate_tokens(user) + FRAMING_TOKENS
        room = min(
            self.config.max_answer_tokens,
            self.window - prompt_tokens,
            ANSWER_ROOM_FACTOR * estimate_tokens(body) + ANSWER_ROOM_EXTRA,
        )
        if room < MIN_ANSWER_TOKENS:
            raise ContextTooLong("the chunk leaves no room for an answer in the context window")
        dialect = self.dialects.of(self.model)
        temperature = None if dialect.own_temperature else self.temperature
        request = Request(
            self.model, system, user, temperature, room, completion_tokens=dialect.completion_tokens
        )
        async with limiter, self.shared_limiter:
            # The client's timeout bounds each silence; this, the whole answer,
            # which a server trickling keep-alives would otherwise never end.
            with anyio.move_on_after(self.config.request_seconds) as deadline:
                answer = await stream_answer(self.client, request, part.delta)
        if deadline.cancelled_caught:
            raise TooSlow(f"no whole answer within {self.config.request_seconds:g} s")
        self.tally.tokens_in += answer.tokens_in if answer.tokens_in is not None else prompt_tokens
        self.tally.tokens_out += (
            answer.tokens_out if answer.tokens_out is not None else estimate_tokens(answer.text)
        )
        return answer

    def _keep(self, chunk: Chunk, part: ChunkProgress, reason: str) -> str:
        log.warning("%s pass: kept a chunk's previous text: %s", self.strategy, reason)
        self.tally.rejected += 1
        self.tally.reasons.append(reason)
        part.settle(chunk.body)
        return chunk.text
