"""One streamed chat completion, and the loop that asks again when it may help."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import openai
from openai import omit
from openai.types.chat import (
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

from service.engines.llm.errors import ContextTooLong, NotACompletion, Recovery, classify
from service.engines.llm.retry import RetryPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Request:
    model: str
    system: str
    user: str
    temperature: float | None  # None: the model keeps its own
    max_tokens: int
    completion_tokens: bool = False  # the limit goes in max_completion_tokens instead


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    tokens_in: int | None  # None when the server reports no usage
    tokens_out: int | None
    finish_reason: str  # "stop"; "length": cut off at max_tokens; "content_filter": withheld

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


async def stream_answer(
    client: openai.AsyncOpenAI, request: Request, on_delta: Callable[[str], None]
) -> Answer:
    """Ask once, streaming; ``on_delta`` gets the text as it arrives."""
    messages: list[ChatCompletionMessageParam] = [
        ChatCompletionSystemMessageParam(role="system", content=request.system),
        ChatCompletionUserMessageParam(role="user", content=request.user),
    ]
    stream = await client.chat.completions.create(
        model=request.model,
        messages=messages,
        temperature=omit if request.temperature is None else request.temperature,
        max_tokens=omit if request.completion_tokens else request.max_tokens,
        max_completion_tokens=request.max_tokens if request.completion_tokens else omit,
        stream=True,
        stream_options={"include_usage": True},
    )
    parts: list[str] = []
    tokens_in = tokens_out = None
    finish_reason: str | None = None
    try:
        async with stream:
            if stream.response.headers.get("content-type", "").startswith("application/json"):
                # A server that ignores stream=true sends the whole completion at once.
                return _whole(json.loads(await stream.response.aread()), on_delta)
            async for chunk in stream:
                usage = chunk.usage
                if usage is not None:
                    tokens_in = _count(usage.prompt_tokens)
                    tokens_out = _count(usage.completion_tokens)
                for choice in chunk.choices or ():
                    if choice.index not in (0, None) or choice.delta is None:
                        continue
                    content = choice.delta.content
                    if isinstance(content, str) and content:
                        parts.append(content)
                        on_delta(content)
                    if isinstance(choice.finish_reason, str):
                        finish_reason = choice.finish_reason
                if finish_reason is not None and usage is not None:
                    break  # all there is to read; a server may hold the stream open after it
    except (ValueError, TypeError, AttributeError) as exc:
        # A chunk the client could not parse, or one without the fields of a chunk.
        raise NotACompletion(f"the stream held something that is not a chunk: {exc}") from None
    if finish_reason is None:
        # No chunk said the answer was over: a cut stream, or not a completion at all.
        raise NotACompletion("the stream ended without a finish_reason")
    return Answer("".join(parts), tokens_in, tokens_out, finish_reason)


def _whole(completion: Any, on_delta: Callable[[str], None]) -> Answer:
    """A completion's answer, read as leniently as the stream's chunks are."""
    choices = completion.get("choices") if isinstance(completion, dict) else None
    first = next((c for c in choices or () if isinstance(c, dict) and c.get("index", 0) == 0), None)
    message = first.get("message") if first is not None else None
    finish_reason = first.get("finish_reason") if first is not None else None
    if not isinstance(message, dict) or not isinstance(finish_reason, str):
        raise NotACompletion("the completion has no finished first choice")
    text = message.get("content")
    text = text if isinstance(text, str) else ""
    if text:
        on_delta(text)
    usage = completion.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    return Answer(
        text,
        _count(usage.get("prompt_tokens")),
        _count(usage.get("completion_tokens")),
        finish_reason,
    )


def _count(tokens: object) -> int | None:
    """A token count as the server reported it, if it is one."""
    return tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None


async def ask_with_retries(
    ask: Callable[[], Awaitable[Answer]],
    *,
    policy: RetryPolicy,
    model: str,
    secret: str | None,
    on_retry: Callable[[], None] = lambda: None,
    adapt: Callable[[str], bool] = lambda refused: False,
) -> Answer:
    """``ask()`` until it answers, a failure is final, or the retries run out.

    A parameter the model refuses goes to ``adapt``, which returns whether
    asking again can do without it. Raises :class:`ContextTooLong` for the
    caller to halve the chunk, and :class:`~service.engines.base.EngineError`
    for a failure that ends the job.
    """
    backoffs = bounded = 0
    adapted: set[str] = set()  # each parameter once: refused again, it is not the cause
    while True:
        try:
            return await ask()
        except openai.OpenAIError as exc:
            failure = classify(exc, model=model, secret=secret)
        param = failure.param
        match failure.recovery:
            case Recovery.SPLIT:
                raise ContextTooLong(failure.message)
            case Recovery.ADAPT if param is not None and param not in adapted and adapt(param):
                log.info("%s; asking again without %s", failure.message, param)
                adapted.add(param)
                continue
            case Recovery.BACKOFF if backoffs < policy.retries:
                delay = policy.delay(backoffs, failure.retry_after)
                backoffs += 1
            case Recovery.BOUNDED if bounded < policy.bounded_retries:
                delay = policy.delay(bounded)
                bounded += 1
            case _:
                raise failure.error() from None
        log.info("%s; asking again in %.2f s", failure.message, delay)
        on_retry()
        await anyio.sleep(delay)
