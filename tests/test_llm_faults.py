"""A broken model endpoint: it hangs, drops connections or answers garbage. Each is retried a
bounded number of times, then fails the job with a clear error; no job ever hangs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Literal

import anyio
import httpx
import pytest

from tests.support.fake_openai import Answer, Error, FakeOpenAI, Misbehave, Rule
from tests.support.server import ServerProcess
from tests.support.soak import record
from tests.support.streams import Envelope, refine_streamed, types

MODEL = "fake-model"
RETRIES = 2
REQUEST_SECONDS = 2


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(models={MODEL}) as server:
        yield server


@pytest.fixture(scope="module")
def llm_server(
    fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with fake.service(
        tmp_path_factory.mktemp("llm-faults"),
        MODEL,
        {MODEL: 4000},
        REFINER_LLM_TIMEOUT_SECONDS="1",
        REFINER_LLM_REQUEST_SECONDS=str(REQUEST_SECONDS),
        REFINER_LLM_TIMEOUT_RETRIES=str(RETRIES),
        REFINER_LLM_RETRIES=str(RETRIES),
    ) as proc:
        yield proc


@pytest.mark.parametrize("kind", ["hang", "reset", "garbage", "malformed"])
async def test_a_broken_endpoint_fails_the_job_clearly_and_in_bounded_time(
    fake: FakeOpenAI,
    llm_server: ServerProcess,
    kind: Literal["hang", "reset", "garbage", "malformed"],
) -> None:
    marker = f"broken-{kind}"
    fake.script(Rule(marker, Misbehave(kind)))
    body = {"text": f"A document ({marker}) that the endpoint never refines.", "passes": 1}
    async with httpx.AsyncClient(base_url=llm_server.url, timeout=60) as client:
        with anyio.fail_after(60):
            envelopes = await refine_streamed(client, body)
    assert types(envelopes)[-2:] == ["error", "stream_end"], types(envelopes)
    error = envelopes[-2]["data"]
    assert error["code"] in {"timeout", "upstream_unreachable", "upstream_error", "bad_answer"}
    assert error["message"]
    attempts = len(fake.recorded(marker))
    assert 1 <= attempts <= RETRIES + 1, attempts
    assert fake.api_key not in json.dumps(envelopes)
    record(f"llm_{kind}", attempts=attempts, error_code=error["code"], hung_jobs=0)


async def run_marked(
    fake: FakeOpenAI,
    server: ServerProcess,
    marker: str,
    reply: Answer | Error | Misbehave,
    seconds: float = 30,
) -> list[Envelope]:
    """A one-pass job whose document holds ``marker``, which the fake answers with ``reply``."""
    fake.script(Rule(marker, reply))
    body = {"text": f"A document ({marker}) for the model's endpoint.", "passes": 1}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        with anyio.fail_after(seconds):
            return await refine_streamed(client, body)


async def test_an_answer_whose_stream_stays_open_after_it_is_used_at_once(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    envelopes = await run_marked(fake, llm_server, "lingers", Misbehave("linger"))
    assert types(envelopes)[-2:] == ["done", "stream_end"], envelopes[-2]
    assert len(fake.recorded("lingers")) == 1, "not asked again after a timeout"


async def test_a_parameter_refused_again_after_it_was_dropped_fails_the_job(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    refusal = Error(
        400,
        "Unsupported value: 'temperature' does not support 0.2 with this model.",
        "invalid_request_error",
        "unsupported_value",
        "temperature",
    )
    envelopes = await run_marked(fake, llm_server, "refuses-always", refusal)
    assert types(envelopes)[-2:] == ["error", "stream_end"]
    assert envelopes[-2]["data"]["code"] == "unsupported_parameter"
    assert len(fake.recorded("refuses-always")) == 2, "asked once as is, once without it"


async def test_an_answer_that_trickles_past_the_deadline_is_a_timeout(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    # A piece every 0.1 s, well within the silence timeout, for a minute.
    trickle = Answer(latency=60, first_token=0.05, pieces=600)
    seconds = (RETRIES + 1) * REQUEST_SECONDS + 20
    envelopes = await run_marked(fake, llm_server, "trickles", trickle, seconds)
    assert types(envelopes)[-2:] == ["error", "stream_end"]
    assert envelopes[-2]["data"]["code"] == "timeout"
    assert len(fake.recorded("trickles")) == RETRIES + 1


async def test_a_server_that_ignores_streaming_is_read_whole(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    envelopes = await run_marked(fake, llm_server, "unstreamed", Misbehave("unstreamed"))
    assert types(envelopes)[-2:] == ["done", "stream_end"], envelopes[-2]
    metrics = next(e["data"]["metrics"] for e in envelopes if e["type"] == "pass_complete")
    assert (metrics["tokens_in"], metrics["tokens_out"]) == (12, 7), "its usage is counted"
    assert len(fake.recorded("unstreamed")) == 1
