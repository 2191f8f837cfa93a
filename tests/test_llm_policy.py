"""Retry waits, error classification, redaction, prompts, prices, progress and settings."""

from __future__ import annotations

import email.utils
from pathlib import Path

import httpx2
import openai
import pytest

from service.engines import local
from service.engines.base import EngineError, TextDelta
from service.engines.llm.completion import Answer, ask_with_retries
from service.engines.llm.config import LLMConfig
from service.engines.llm.errors import ContextTooLong, Recovery, classify, redact
from service.engines.llm.models import ModelTable, Price
from service.engines.llm.progress import PassProgress
from service.engines.llm.prompts import prompt_book
from service.engines.llm.retry import RetryPolicy, parse_retry_after
from service.settings import ModelPrice, Settings, SettingsError

KEY = "sk-test-secret-0123456789abcdef"
URL = "http://127.0.0.1:1/v1/chat/completions"


_ERRORS: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    429: openai.RateLimitError,
}


def status_error(status: int, body: dict[str, object], **headers: str) -> openai.APIStatusError:
    """The exception the client raises for such an answer (as its ``_make_status_error``)."""
    request = httpx2.Request("POST", URL)
    response = httpx2.Response(status, headers=headers, json=body, request=request)
    error = body["error"]
    assert isinstance(error, dict)
    kind = _ERRORS.get(status, openai.InternalServerError)
    return kind(f"Error code: {status} - {error['message']}", response=response, body=error)


def error_body(
    message: str,
    code: str | None = None,
    type_: str = "invalid_request_error",
    param: str | None = None,
) -> dict[str, object]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


# waiting


def test_retry_after_headers() -> None:
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "1"}) == 0.25
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    date = email.utils.formatdate(1000.0 + 7, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=lambda: 1000.0) == pytest.approx(7, abs=1)
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_doubles_with_jitter_and_honours_retry_after() -> None:
    policy = RetryPolicy(backoff=0.5, max_backoff=4.0)
    assert [policy.delay(n, rand=lambda: 0.0) for n in range(5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert [policy.delay(n, rand=lambda: 1.0) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert policy.delay(0, retry_after=3.0, rand=lambda: 0.0) == 3.0
    assert 3.0 <= policy.delay(0, retry_after=3.0, rand=lambda: 1.0) <= 3.25
    assert policy.delay(0, retry_after=10_000, rand=lambda: 0.0) == policy.max_retry_after


# what failed


@pytest.mark.parametrize(
    ("status", "body", "code", "recovery"),
    [
        (
            400,
            error_body("maximum context length is 8192 tokens", "context_length_exceeded"),
            "context_length",
            Recovery.SPLIT,
        ),
        (
            400,
            error_body("This model's maximum context length is 4096"),
            "context_length",
            Recovery.SPLIT,
        ),
        (400, error_body("'temperature' is invalid"), "upstream_rejected", Recovery.FAIL),
        (
            400,
            error_body("Use 'max_completion_tokens'", "unsupported_parameter", param="max_tokens"),
            "unsupported_parameter",
            Recovery.ADAPT,
        ),
        (
            400,
            error_body("Only the default (1)", "unsupported_value", param="temperature"),
            "unsupported_parameter",
            Recovery.ADAPT,
        ),
        (
            400,
            error_body("Unsupported parameter: 'tools'", "unsupported_parameter", param="tools"),
            "upstream_rejected",
            Recovery.FAIL,
        ),
        (
            401,
            error_body(f"Incorrect API key provided: {KEY}", "invalid_api_key"),
            "auth_failed",
            Recovery.FAIL,
        ),
        (403, error_body("no access"), "permission_denied", Recovery.FAIL),
        (
            404,
            error_body("model does not exist", "model_not_found"),
            "model_not_found",
            Recovery.FAIL,
        ),
        (429, error_body("quota", "insufficient_quota"), "quota_exceeded", Recovery.FAIL),
        (429, error_body("slow down", "rate_limit_exceeded"), "rate_limited", Recovery.BACKOFF),
        (500, error_body("oops", None, "server_error"), "upstream_error", Recovery.BACKOFF),
        (503, error_body("busy", None, "server_error"), "upstream_error", Recovery.BACKOFF),
    ],
)
def test_status_errors_are_classified(
    status: int, body: dict[str, object], code: str, recovery: Recovery
) -> None:
    failure = classify(status_error(status, body), model="m", secret=KEY)
    assert failure.code == code
    assert failure.recovery is recovery
    assert KEY not in failure.message
    assert failure.error().retryable is (recovery is not Recovery.FAIL)


def test_rate_limit_carries_retry_after() -> None:
    exc = status_error(429, error_body("slow down"), **{"retry-after-ms": "1500"})
    assert classify(exc, model="m", secret=None).retry_after == 1.5


def test_timeouts_and_lost_connections_are_bounded() -> None:
    request = httpx2.Request("POST", URL)
    timeout = classify(openai.APITimeoutError(request), model="m", secret=None)
    assert (timeout.code, timeout.recovery) == ("timeout", Recovery.BOUNDED)
    lost = classify(openai.APIConnectionError(request=request), model="m", secret=None)
    assert (lost.code, lost.recovery) == ("upstream_unreachable", Recovery.BOUNDED)


def test_keys_are_redacted() -> None:
    assert KEY not in redact(f"bad key {KEY}", KEY)
    assert "sk-other-key-1234567" not in redact("bad key sk-other-key-1234567", None)
    assert redact("nothing secret", KEY) == "nothing secret"


# prompts, prices, progress


def test_every_strategy_has_prompts_and_the_local_ones_are_all_there() -> None:
    book = prompt_book()
    assert set(local.STRATEGIES) <= set(book.strategies)
    assert {"clarity", "formal", "friendly", "grammar", "academic"} <= set(book.strategies)
    for name, prompt in book.strategies.items():
        assert prompt.system
        assert prompt.instruction
        assert prompt.description
        system, user = book.render(name, "A {text} with $braces and </text> inside.")
        assert prompt.system in system
        assert "A {text} with $braces and </text> inside." in user
        assert user.startswith(prompt.instruction)


def test_model_table_matches_prefixes_and_takes_overrides() -> None:
    table = ModelTable.load({"local-llama": 2048}, {"local-llama": (0.0, 0.0)})
    assert table.context_window("gpt-4o-mini-2024-07-18") == table.context_window("gpt-4o-mini")
    assert table.context_window("local-llama") == 2048
    assert table.context_window("unknown") == table.windows["default"]
    price = table.price("gpt-4o-mini-2024-07-18")
    assert price is not None
    assert price.cost(1_000_000, 0) == price.input
    assert table.price("unknown") is None


def recording(clock: list[float]) -> tuple[PassProgress, list[tuple[int, int, TextDelta | None]]]:
    published: list[tuple[int, int, TextDelta | None]] = []
    progress = PassProgress(
        2, lambda d, t, delta: published.append((d, t, delta)), clock=lambda: clock[0]
    )
    return progress, published


def test_deltas_are_coalesced_per_chunk() -> None:
    now = [0.0]
    progress, published = recording(now)
    chunk = progress.chunk(1)
    for i in range(10):
        now[0] = i * 0.05
        chunk.delta(str(i))
    chunk.settle("0123456789")
    chunk.finish()
    assert published == [
        (0, 2, TextDelta(1, "012345")),
        (0, 2, TextDelta(1, "6789")),
        (1, 2, None),
    ]


def test_a_failed_attempt_withdraws_what_it_showed() -> None:
    now = [0.0]
    progress, published = recording(now)
    chunk = progress.chunk(0)
    chunk.restart()
    assert published == [], "nothing was shown, so nothing is withdrawn"
    now[0] = 1.0
    chunk.delta("half an ans")
    chunk.restart()
    chunk.delta("the answer")
    chunk.settle("the answer")
    assert [d for _, _, d in published] == [
        TextDelta(0, "half an ans"),
        TextDelta(0, "", restart=True),
        TextDelta(0, "the answer"),
    ]


def test_a_cleaned_answer_replaces_what_was_streamed() -> None:
    now = [1.0]
    progress, published = recording(now)
    chunk = progress.chunk(0)
    chunk.delta("Sure! Here it is: the text")
    chunk.settle("the text")
    assert [d for _, _, d in published] == [TextDelta(0, "the text", restart=True)]


def test_halves_are_written_one_after_the_other() -> None:
    now = [1.0]
    progress, published = recording(now)
    chunk = progress.chunk(0)
    chunk.settle("First half.")  # a half that was not asked (code), or kept
    chunk.space("\n\n")
    now[0] = 2.0
    chunk.delta("Second")
    chunk.restart()  # the second half is asked again
    now[0] = 3.0
    chunk.delta("Second half.")
    chunk.settle("Second half.")
    assert [d for _, _, d in published] == [
        TextDelta(0, "First half.", restart=True),
        TextDelta(0, "\n\nSecond"),
        TextDelta(0, "First half.\n\n", restart=True),
        TextDelta(0, "Second half."),
    ]


def test_settings_read_the_llm_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFINER_PRICES", '{"m": {"input": 1, "output": 2.5}}')
    monkeypatch.setenv("REFINER_CONTEXT_WINDOWS", '{"m": 8192}')
    monkeypatch.setenv("REFINER_LLM_CONCURRENCY", "4")
    settings = Settings.from_env()
    assert settings.llm_prices == {"m": ModelPrice(input=1.0, output=2.5)}
    assert settings.llm_context_windows == {"m": 8192}
    assert settings.llm_concurrency == 4
    table = LLMConfig.from_settings(settings).models
    assert table.price("m") == Price(1.0, 2.5)
    assert table.context_window("m") == 8192


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("REFINER_PRICES", "[1]", "REFINER_PRICES"),
        ("REFINER_PRICES", '{"m": 1}', "REFINER_PRICES['m']"),
        ("REFINER_PRICES", '{"m": {"input": -1, "output": 1}}', "REFINER_PRICES['m']['input']"),
        ("REFINER_CONTEXT_WINDOWS", '{"m": "big"}', "REFINER_CONTEXT_WINDOWS['m']"),
        ("REFINER_CONTEXT_WINDOWS", '{"m": 10}', "REFINER_CONTEXT_WINDOWS['m']"),
        ("REFINER_PORT", "eighty", "REFINER_PORT"),
        ("REFINER_MAX_JOBS", "0", "REFINER_MAX_JOBS"),
        ("REFINER_TEMPERATURE", "-1", "REFINER_TEMPERATURE"),
        ("REFINER_LOG_LEVEL", "loud", "REFINER_LOG_LEVEL"),
        ("REFINER_PRICES", "{not json", "REFINER_PRICES"),
        ("REFINER_CONTEXT_WINDOWS", "[", "REFINER_CONTEXT_WINDOWS"),
    ],
)
def test_a_bad_setting_is_refused_by_its_variable_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        Settings.from_env()
    assert str(refused.value).startswith(f"{named}: ")


def test_settings_read_lists_keys_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFINER_CORS_ORIGINS", " https://a.example, ,https://b.example ")
    monkeypatch.setenv("REFINER_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("BACKEND_API_KEY", "k3y")
    monkeypatch.setenv("REFINER_MAX_QUEUE", "")  # empty: the default
    monkeypatch.setenv("REFINER_DATA_DIR", "/srv/refiner")
    settings = Settings.from_env()
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.log_level == "warning"
    assert settings.backend_api_key == "k3y"
    assert settings.max_queue == 1000
    assert settings.data_dir == Path("/srv/refiner")
    assert Settings.variable("backend_api_key") == "BACKEND_API_KEY"
    assert Settings(llm_temperature=0.7).llm_temperature == 0.7, "fields go by name in code"
    assert Settings.variable("max_queue") == "REFINER_MAX_QUEUE"


# the retry loop


async def test_timeouts_are_retried_a_bounded_number_of_times() -> None:
    calls = 0

    async def ask() -> Answer:
        nonlocal calls
        calls += 1
        raise openai.APITimeoutError(httpx2.Request("POST", URL))

    policy = RetryPolicy(bounded_retries=2, backoff=0.0)
    with pytest.raises(EngineError) as caught:
        await ask_with_retries(ask, policy=policy, model="m", secret=KEY)
    assert calls == 3
    assert caught.value.code == "timeout"
    assert caught.value.retryable


async def test_server_errors_are_retried_until_an_answer() -> None:
    failures = [status_error(500, error_body("oops")), status_error(503, error_body("busy"))]
    retried: list[None] = []

    async def ask() -> Answer:
        if failures:
            raise failures.pop(0)
        return Answer("done", 1, 1, finish_reason="stop")

    answer = await ask_with_retries(
        ask,
        policy=RetryPolicy(backoff=0.0),
        model="m",
        secret=None,
        on_retry=lambda: retried.append(None),
    )
    assert answer.text == "done"
    assert len(retried) == 2


async def test_a_bad_key_is_not_retried_and_context_errors_go_to_the_caller() -> None:
    calls = 0

    async def refused() -> Answer:
        nonlocal calls
        calls += 1
        raise status_error(401, error_body(f"Incorrect API key provided: {KEY}"))

    with pytest.raises(EngineError) as caught:
        await ask_with_retries(refused, policy=RetryPolicy(), model="m", secret=KEY)
    assert calls == 1
    assert caught.value.code == "auth_failed"
    assert KEY not in str(caught.value)

    async def too_long() -> Answer:
        raise status_error(400, error_body("too long", "context_length_exceeded"))

    with pytest.raises(ContextTooLong):
        await ask_with_retries(too_long, policy=RetryPolicy(), model="m", secret=None)


def test_a_key_too_short_to_be_real_is_not_redacted_out_of_every_word() -> None:
    message = "This model's maximum context length is 8192 tokens."
    assert redact(message, "x") == message
    assert redact(f"Incorrect API key provided: {KEY}.", KEY) == (
        "Incorrect API key provided: [redacted]."
    )
