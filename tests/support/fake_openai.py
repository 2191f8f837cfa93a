"""An OpenAI-compatible chat completions server for tests, on loopback under uvicorn.

It speaks the real wire format, so the real ``openai`` client talks to it
unpatched: ``POST /v1/chat/completions``, streamed (``data:`` chunks of
``chat.completion.chunk`` objects, a last chunk with ``usage`` when
``stream_options.include_usage`` is set, then ``data: [DONE]``) or not, and
OpenAI's error bodies ``{"error": {"message", "type", "param", "code"}}``.

The "model" is deterministic: it applies ``transform`` to the document
between the prompt's ``<text>`` tags. Tests script other behaviour with
rules matched, in order, against the document (``script``), and read what
was asked in ``requests``. The server runs in a thread of the test process;
everything a test reads is guarded by one lock.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.server import ServerProcess, free_port

_DOCUMENT = re.compile(r"<text>\n(.*)\n</text>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Answer:
    """Answer with ``transform(document)`` (the server's own by default), after ``preamble``.

    ``text`` replaces the transformed document when given; ``latency`` is the
    whole request's time (the server's own by default): ``first_token`` of it
    (half by default) before the first token, the rest spread over the
    ``pieces`` the answer is streamed in. ``finish`` is its ``finish_reason``.
    """

    transform: Callable[[str], str] | None = None
    text: str | None = None
    preamble: str = ""
    latency: float | None = None
    first_token: float | None = None
    pieces: int = 8
    finish: str = "stop"


@dataclass(frozen=True, slots=True)
class Error:
    status: int
    message: str
    type: str
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def context_length_exceeded(tokens: int = 9000, limit: int = 8192) -> Error:
    return Error(
        400,
        f"This model's maximum context length is {limit} tokens. However, your messages "
        f"resulted in {tokens} tokens. Please reduce the length of the messages.",
        "invalid_request_error",
        "context_length_exceeded",
        "messages",
    )


def unsupported(body: dict[str, Any]) -> Error | None:
    """What OpenAI's reasoning models answer to ``max_tokens`` or a temperature but 1."""
    if "max_tokens" in body:
        return Error(
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "invalid_request_error",
            "unsupported_parameter",
            "max_tokens",
        )
    if body.get("temperature", 1) != 1:
        return Error(
            400,
            f"Unsupported value: 'temperature' does not support {body['temperature']} with "
            "this model. Only the default (1) value is supported.",
            "invalid_request_error",
            "unsupported_value",
            "temperature",
        )
    return None


def rate_limited(retry_after_ms: int = 200) -> Error:
    return Error(
        429,
        "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. "
        f"Please try again in {retry_after_ms}ms.",
        "requests",
        "rate_limit_exceeded",
        headers={
            "retry-after-ms": str(retry_after_ms),
            "retry-after": str(max(1, retry_after_ms // 1000)),
        },
    )


def server_error() -> Error:
    return Error(500, "The server had an error while processing your request.", "server_error")


def unauthorized(key: str) -> Error:
    # The real API masks most of the key; this one echoes it whole, so that a
    # test catches any path that passes the message on unredacted.
    return Error(
        401,
        f"Incorrect API key provided: {key}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    )


def model_not_found(model: str) -> Error:
    return Error(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    )


@dataclass(frozen=True, slots=True)
class Misbehave:
    """A broken endpoint: ``hang`` never answers, ``reset`` drops the connection
    mid-answer, ``partial`` streams half of its answer and then drops it,
    ``garbage`` answers 200 with something that is not a completion,
    ``malformed`` streams a chunk that is not JSON, ``linger`` streams the
    whole answer, its finish and usage, then holds the stream open without
    ``[DONE]``, and ``unstreamed`` answers a streamed request with the whole
    completion as JSON."""

    kind: Literal["hang", "reset", "partial", "garbage", "malformed", "linger", "unstreamed"]


@dataclass(slots=True)
class Rule:
    """``reply`` to requests whose document contains ``marker``, ``times`` times (or always)."""

    marker: str
    reply: Answer | Error | Misbehave
    times: int | None = None
    when: Callable[[str], bool] | None = None

    def matches(self, document: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        return self.marker in document and (self.when is None or self.when(document))


@dataclass(slots=True)
class Recorded:
    document: str
    model: str
    stream: bool
    max_tokens: int | None
    authorization: str
    params: frozenset[str] = frozenset()  # the request's top-level fields
    status: int = 200
    finished: bool = False  # the whole answer was sent
    aborted: bool = False  # the client went away mid-answer


class FakeOpenAI:
    """Use as ``with FakeOpenAI() as fake:``; point a client at ``fake.base_url``."""

    def __init__(
        self,
        *,
        api_key: str = "sk-test-fake-key-0123456789",
        transform: Callable[[str], str] = str.upper,
        latency: float = 0.0,
        models: set[str] | None = None,
        reasoning_models: frozenset[str] = frozenset(),
    ) -> None:
        self.api_key = api_key
        self.transform = transform
        self.latency = latency
        self.models = models
        self.reasoning_models = reasoning_models  # they take what OpenAI's reasoning models take
        self.port = free_port()
        self.requests: list[Recorded] = []
        self.active = 0
        self.max_active = 0
        self.aborted = threading.Event()
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def service_env(self, model: str) -> dict[str, str]:
        """The settings that point the service's ``openai`` engine at this server."""
        return {
            "OPENAI_API_KEY": self.api_key,
            "OPENAI_BASE_URL": self.base_url,
            "REFINER_MODEL": model,
        }

    def service(
        self, workdir: Path, model: str, windows: Mapping[str, int], **settings: str
    ) -> ServerProcess:
        """The service with its ``openai`` engine on this server: ``model`` by default,
        these context windows, quick retries, and ``settings`` (variables by name)."""
        env = {
            **self.service_env(model),
            "REFINER_CONTEXT_WINDOWS": json.dumps(windows),
            "REFINER_LLM_BACKOFF_SECONDS": "0.05",
            **settings,
        }
        return ServerProcess(workdir, env=env)

    def script(self, *rules: Rule) -> None:
        with self._lock:
            self._rules.extend(rules)

    def reset(self) -> None:
        with self._lock:
            self._rules.clear()
            self.requests.clear()
            self.max_active = 0
            self.aborted.clear()

    def recorded(self, marker: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if marker in r.document]

    # the server

    def __enter__(self) -> FakeOpenAI:
        app = Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-openai", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.should_exit = True
        self._thread.join(10)

    async def _complete(self, request: Request) -> Response:
        body = await request.json()
        messages = body.get("messages", [])
        user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        found = _DOCUMENT.search(user)
        document = found.group(1) if found else user
        model = str(body.get("model", ""))
        recorded = Recorded(
            document=document,
            model=model,
            stream=bool(body.get("stream")),
            max_tokens=body.get("max_tokens") or body.get("max_completion_tokens"),
            authorization=request.headers.get("authorization", ""),
            params=frozenset(body),
        )
        with self._lock:
            self.requests.append(recorded)
            reply = self._choose(document)
        if recorded.authorization != f"Bearer {self.api_key}":
            reply = unauthorized(recorded.authorization.removeprefix("Bearer "))
        elif self.models is not None and model not in self.models:
            reply = model_not_found(model)
        elif model in self.reasoning_models and (refused := unsupported(body)) is not None:
            reply = refused
        if isinstance(reply, Error):
            recorded.status = reply.status
            return JSONResponse(reply.body(), status_code=reply.status, headers=reply.headers)
        if isinstance(reply, Misbehave):
            return await self._misbehave(reply, recorded, model, self.transform(document))

        answer = reply.preamble + (
            reply.text if reply.text is not None else (reply.transform or self.transform)(document)
        )
        latency = self.latency if reply.latency is None else reply.latency
        usage = {
            "prompt_tokens": sum(len(m["content"]) for m in messages) // 4 + 1,
            "completion_tokens": len(answer) // 4 + 1,
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if not recorded.stream:
            with self._tracked(recorded):
                await anyio.sleep(latency)
            return JSONResponse(_completion(model, answer, usage))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        first = latency / 2 if reply.first_token is None else min(reply.first_token, latency)
        events = self._stream(
            recorded,
            model,
            answer,
            usage if include_usage else None,
            (first, latency - first),
            reply.pieces,
            reply.finish,
        )
        return StreamingResponse(events, media_type="text/event-stream")

    def _choose(self, document: str) -> Answer | Error | Misbehave:
        for rule in self._rules:
            if rule.matches(document):
                if rule.times is not None:
                    rule.times -= 1
                return rule.reply
        return Answer()

    async def _stream(
        self,
        recorded: Recorded,
        model: str,
        answer: str,
        usage: dict[str, int] | None,
        timing: tuple[float, float],
        pieces: int,
        finish: str = "stop",
    ) -> AsyncIterator[str]:
        first, rest = timing
        with self._tracked(recorded):
            await anyio.sleep(first)
            size = max(1, -(-len(answer) // pieces))
            parts = [answer[i : i + size] for i in range(0, len(answer), size)] or [""]
            yield _sse(_chunk(model, {"role": "assistant", "content": ""}, None, usage))
            for part in parts:
                await anyio.sleep(rest / len(parts))
                yield _sse(_chunk(model, {"content": part}, None, usage))
            yield _sse(_chunk(model, {}, finish, usage))
            if usage is not None:
                yield _sse({**_chunk(model, {}, None, None), "choices": [], "usage": usage})
            yield "data: [DONE]\n\n"
            recorded.finished = True

    async def _misbehave(
        self, reply: Misbehave, recorded: Recorded, model: str, answer: str
    ) -> Response:
        if reply.kind == "hang":
            with self._tracked(recorded):
                await anyio.sleep(3600)
        if reply.kind == "garbage":
            return Response("<html>upstream said no</html>", media_type="application/json")
        if reply.kind == "unstreamed":
            # As a small server writes it: no id, no created, its own finish reason.
            choice = {"message": {"content": answer}, "finish_reason": "eos_token"}
            usage = {"prompt_tokens": 12, "completion_tokens": 7}
            return JSONResponse({"choices": [choice], "usage": usage})
        if reply.kind == "linger":
            usage = {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}

            async def linger() -> AsyncIterator[str]:
                with self._tracked(recorded):
                    yield _sse(_chunk(model, {"role": "assistant", "content": answer}, None, None))
                    yield _sse(_chunk(model, {}, "stop", None))
                    yield _sse({**_chunk(model, {}, None, None), "choices": [], "usage": usage})
                    recorded.finished = True
                    await anyio.sleep(3600)

            return StreamingResponse(linger(), media_type="text/event-stream")
        if reply.kind == "malformed":

            async def malformed() -> AsyncIterator[str]:
                yield _sse(_chunk(model, {"role": "assistant", "content": ""}, None, None))
                yield 'data: {"id": "chatcmpl-bad", "choices": [{"index": 0, "delta": \n\n'
                yield "data: [DONE]\n\n"

            return StreamingResponse(malformed(), media_type="text/event-stream")

        async def cut() -> AsyncIterator[str]:
            if reply.kind == "partial":
                # Slow enough for the service to pass the half on before it is cut.
                yield _sse(_chunk(model, {"role": "assistant", "content": ""}, None, None))
                await anyio.sleep(0.3)
                yield _sse(_chunk(model, {"content": answer[: len(answer) // 2]}, None, None))
                await anyio.sleep(0.3)
            else:
                yield 'data: {"id": "chatcmpl-cut", "object": "chat.completion.chunk"\n'
            raise ConnectionResetError("the fake drops the connection mid-answer")

        return StreamingResponse(cut(), media_type="text/event-stream")

    def _tracked(self, recorded: Recorded) -> _Tracked:
        return _Tracked(self, recorded)


class _Tracked:
    """Counts a request as in flight, and as aborted if it ends early."""

    def __init__(self, fake: FakeOpenAI, recorded: Recorded) -> None:
        self.fake = fake
        self.recorded = recorded

    def __enter__(self) -> None:
        with self.fake._lock:
            self.fake.active += 1
            self.fake.max_active = max(self.fake.max_active, self.fake.active)

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        with self.fake._lock:
            self.fake.active -= 1
            if exc_type is not None and not self.recorded.finished:
                self.recorded.aborted = True
                self.fake.aborted.set()


def _chunk(
    model: str, delta: dict[str, Any], finish: str | None, usage: dict[str, int] | None
) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    if usage is not None:
        chunk["usage"] = None
    return chunk


def _completion(model: str, answer: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": usage,
    }


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data)}\n\n"
