"""What went wrong with a request, in the engine's terms, with no secret in it.

``classify`` maps the ``openai`` client's exceptions to a :class:`Failure`:

    openai.OpenAIError
    ├── APIConnectionError ........ upstream_unreachable  (retried, bounded)
    │   └── APITimeoutError ....... timeout               (retried, bounded)
    ├── TooSlow (the deadline) .... timeout               (retried, bounded)
    ├── APIStatusError
    │   ├── 400 context too long .. context_length        (the chunk is halved)
    │   ├── 400 unsupported ....... unsupported_parameter (asked again in the model's
    │   │   max_tokens/temperature                          dialect, once)
    │   ├── 400, 422, other 4xx ... upstream_rejected     (fails the job)
    │   ├── 401 ................... auth_failed           (fails the job)
    │   ├── 403 ................... permission_denied     (fails the job)
    │   ├── 404 ................... model_not_found       (fails the job)
    │   ├── 429 insufficient_quota  quota_exceeded        (fails the job)
    │   ├── 429 ................... rate_limited          (retried after Retry-After)
    │   └── 408, 409, 5xx ......... upstream_error        (retried with backoff)
    └── APIError in a stream ...... upstream_error        (retried with backoff)

A server's error message may quote the key ("Incorrect API key provided:
sk-..."), so every message that leaves this module goes through ``redact``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import openai

from service.engines.base import EngineError
from service.engines.llm.dialect import ADAPTABLE
from service.engines.llm.retry import parse_retry_after

_KEYLIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{6,}")
_CONTEXT_WORDS = re.compile(
    r"context[ _]length|context size|context window|maximum context|too many tokens", re.I
)
_MESSAGE_CHARS = 300
_SECRET_MIN_CHARS = 8


class Recovery(enum.Enum):
    """What the engine does about a failure."""

    SPLIT = "split"  # halve the chunk and ask again
    BACKOFF = "backoff"  # wait (Retry-After, else exponential with jitter) and ask again
    BOUNDED = "bounded"  # ask again a few times at most: timeouts, lost connections
    ADAPT = "adapt"  # ask again at once without the parameter the model refused
    FAIL = "fail"  # fail the job now


class ContextTooLong(Exception):
    """A chunk and its answer do not fit the model's context window."""


class NotACompletion(openai.OpenAIError):
    """The endpoint answered, but not with a chat completion (a stream with no end)."""


class TooSlow(openai.OpenAIError):
    """The answer did not end within the request's deadline, though it kept coming."""


@dataclass(frozen=True, slots=True)
class Failure:
    code: str
    message: str  # redacted: safe for events, logs and responses
    recovery: Recovery
    retry_after: float | None = None
    param: str | None = None  # the refused parameter, for Recovery.ADAPT

    def error(self) -> EngineError:
        return EngineError(
            self.message, code=self.code, retryable=self.recovery is not Recovery.FAIL
        )


def redact(text: str, secret: str | None) -> str:
    # A key too short to be a real one ("x", for a local server) would only
    # mangle the message: every "x" of it redacted.
    if secret and len(secret) >= _SECRET_MIN_CHARS:
        text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub("[redacted]", text)


def classify(exc: openai.OpenAIError, *, model: str, secret: str | None) -> Failure:
    said = redact(_upstream_message(exc), secret)[:_MESSAGE_CHARS]
    if isinstance(exc, NotACompletion):
        return Failure(
            "bad_answer",
            "the model's API answered with something that is not a chat completion",
            Recovery.BOUNDED,
        )
    if isinstance(exc, openai.APITimeoutError | TooSlow):
        return Failure("timeout", "the model did not answer in time", Recovery.BOUNDED)
    if isinstance(exc, openai.APIConnectionError):
        return Failure(
            "upstream_unreachable",
            "could not connect to the model's API (check OPENAI_BASE_URL)",
            Recovery.BOUNDED,
        )
    if not isinstance(exc, openai.APIStatusError):
        return Failure("upstream_error", f"the model's API failed: {said}", Recovery.BACKOFF)
    status, code = exc.status_code, exc.code or ""
    retry_after = parse_retry_after(exc.response.headers)
    if status in (400, 413) and (code == "context_length_exceeded" or _CONTEXT_WORDS.search(said)):
        return Failure("context_length", said, Recovery.SPLIT)
    if (
        status == 400
        and code in ("unsupported_parameter", "unsupported_value")
        and exc.param in ADAPTABLE
    ):
        return Failure("unsupported_parameter", said, Recovery.ADAPT, param=exc.param)
    if status == 401:
        return Failure(
            "auth_failed",
            f"the model's API refused the key (check OPENAI_API_KEY): {said}",
            Recovery.FAIL,
        )
    if status == 403:
        return Failure("permission_denied", f"the key may not use {model!r}: {said}", Recovery.FAIL)
    if status == 404:
        return Failure(
            "model_not_found",
            f"model {model!r} is not available at the API (check REFINER_MODEL, the "
            f"request's model, and OPENAI_BASE_URL): {said}",
            Recovery.FAIL,
        )
    if status == 429 and code == "insufficient_quota":
        return Failure("quota_exceeded", f"the account's quota is used up: {said}", Recovery.FAIL)
    if status == 429:
        return Failure("rate_limited", f"rate limited: {said}", Recovery.BACKOFF, retry_after)
    if status in (408, 409) or status >= 500:
        return Failure(
            "upstream_error",
            f"the model's API failed ({status}): {said}",
            Recovery.BACKOFF,
            retry_after,
        )
    return Failure(
        "upstream_rejected",
        f"the model's API rejected the request ({status}): {said}",
        Recovery.FAIL,
    )


def _upstream_message(exc: openai.OpenAIError) -> str:
    if isinstance(exc, openai.APIError):
        body = exc.body
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return str(body["message"])
        return exc.message
    return str(exc)
