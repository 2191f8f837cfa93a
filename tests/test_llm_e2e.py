"""The openai engine end to end: the real service and the real ``openai`` client, pointed
at an OpenAI-compatible server of the tests' own on loopback. Nothing is patched."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
import docx
import httpx
import pytest

from tests.support.docx_samples import to_bytes
from tests.support.fake_openai import (
    Answer,
    FakeOpenAI,
    Misbehave,
    Rule,
    context_length_exceeded,
    rate_limited,
)
from tests.support.server import ServerProcess
from tests.support.streams import Envelope, collect_ws, refine_streamed, types
from tests.support.texts import mark, paragraphs

MODEL = "fake-model"
REASONING = "fake-reasoning-model"  # refuses max_tokens and temperatures, as OpenAI's do
WIDE = "fake-wide-model"  # a context window that takes a whole document as one chunk
# With this window every paragraph of ``paragraphs()`` is a chunk of its own,
# and the short ones of ``short_paragraphs()`` share chunks.
WINDOW = 1000


def short_paragraphs(count: int, tag: str = "") -> str:
    return "\n\n".join(f"Short {i}{tag}: the plan is ready." for i in range(count))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(
        models={MODEL, REASONING, WIDE}, reasoning_models=frozenset({REASONING})
    ) as server:
        yield server


@pytest.fixture(scope="module")
def llm_server(
    fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with fake.service(
        tmp_path_factory.mktemp("llm-server"),
        MODEL,
        {MODEL: WINDOW, REASONING: WINDOW, WIDE: 100_000},
        REFINER_PRICES=json.dumps({MODEL: {"input": 1.0, "output": 2.0}}),
        REFINER_LLM_CONCURRENCY_PER_JOB="4",
    ) as proc:
        yield proc


@pytest.fixture(autouse=True)
def _fresh_fake(request: pytest.FixtureRequest) -> None:
    if "fake" in request.fixturenames:
        fake: FakeOpenAI = request.getfixturevalue("fake")
        fake.reset()
        fake.transform = str.upper
        fake.latency = 0.0


async def run_job(server: ServerProcess, body: dict[str, Any]) -> list[Envelope]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        envelopes = await refine_streamed(client, body)
    return envelopes


def completes(envelopes: list[Envelope]) -> list[dict[str, Any]]:
    return [e["data"] for e in envelopes if e["type"] == "pass_complete"]


async def final_text(server: ServerProcess, envelopes: list[Envelope]) -> str:
    last = completes(envelopes)[-1]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        answer = await client.get(f"/files/{last['file_id']}/versions/{last['version']}")
    text: str = answer.json()["text"]
    return text


async def test_multi_chunk_three_pass_job(fake: FakeOpenAI, llm_server: ServerProcess) -> None:
    fake.transform = mark
    text = paragraphs(6)
    envelopes = await run_job(
        llm_server,
        {
            "text": text,
            "passes": 3,
            "strategies": ["grammar", "clarity", "formal"],
            "stop_when_unchanged": False,
        },
    )
    assert types(envelopes) == [
        "job_queued",
        "job_started",
        *["pass_started", "pass_complete"] * 3,
        "done",
        "stream_end",
    ]
    started = next(e for e in envelopes if e["type"] == "job_started")["data"]
    assert started["engine"] == "openai", "the LLM is the default engine once a key is set"
    assert started["strategies"] == ["grammar", "clarity", "formal"]

    progress = [e["data"] for e in envelopes if e["type"] == "pass_progress"]
    assert {p["total"] for p in progress} == {6}
    assert [p["done"] for p in progress if p["pass"] == 1][-1] == 6
    assert any(p.get("delta") for p in progress), "the text is streamed as it is written"
    # Chunks are written concurrently; each delta names the chunk it extends.
    assert shown_per_chunk(progress, 1) == mark(text).split("\n\n")
    assert all(("chunk" in p) == ("delta" in p) for p in progress)

    for data in completes(envelopes):
        metrics = data["metrics"]
        assert data["changed"]
        assert metrics["chunks"] == 6
        assert metrics["tokens_in"] > 0
        assert metrics["tokens_out"] > 0
        expected_cost = (metrics["tokens_in"] * 1.0 + metrics["tokens_out"] * 2.0) / 1e6
        assert metrics["cost"] == pytest.approx(expected_cost)
        assert metrics["chunks_rejected"] == 0
    assert await final_text(llm_server, envelopes) == "\n\n".join(
        p + " + + +" for p in text.split("\n\n")
    )
    assert len(fake.recorded()) == 18
    assert {r.model for r in fake.recorded()} == {MODEL}
    assert all(r.stream for r in fake.recorded())

    async with httpx.AsyncClient(base_url=llm_server.url, timeout=30) as client:
        job = (await client.get(f"/jobs/{envelopes[0]['job_id']}")).json()
    passes = job["files"][0]["passes"]
    assert all(p["metrics"]["tokens_in"] > 0 for p in passes if p["pass"] > 0)
    assert job["model"] == MODEL, "a job that names no model shows the default it ran with"


def shown_per_chunk(progress: list[dict[str, Any]], pass_number: int) -> list[str]:
    """What a client shows of each chunk of a pass: deltas added up, ``restart`` replacing."""
    shown: dict[int, str] = {}
    for p in progress:
        if p["pass"] == pass_number and "delta" in p:
            before = "" if p.get("restart") else shown.get(p["chunk"], "")
            shown[p["chunk"]] = before + p["delta"]
    return [shown[i] for i in sorted(shown)]


async def test_a_retried_chunk_withdraws_the_half_answer_it_showed(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    fake.transform = mark
    fake.script(Rule("-cut", Misbehave("partial"), times=1))
    text = paragraphs(3, tag="-cut")
    envelopes = await run_job(llm_server, {"text": text, "passes": 1})
    assert types(envelopes)[-2:] == ["done", "stream_end"]
    progress = [e["data"] for e in envelopes if e["type"] == "pass_progress"]
    assert any(p.get("restart") for p in progress), "the half answer was withdrawn"
    assert shown_per_chunk(progress, 1) == mark(text).split("\n\n")
    assert completes(envelopes)[0]["metrics"]["retries"] == 1


async def test_a_reasoning_model_is_asked_in_the_form_it_takes(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    fake.transform = mark
    text = paragraphs(3)
    body = {"text": text, "passes": 2, "model": REASONING, "stop_when_unchanged": False}
    envelopes = await run_job(llm_server, body)
    assert types(envelopes)[-2:] == ["done", "stream_end"], envelopes[-2]
    assert await final_text(llm_server, envelopes) == mark(mark(text))
    asked = fake.recorded()
    refused = [r for r in asked if r.status == 400]
    # Three chunks asked at once: each may be refused once per parameter, no more.
    assert 2 <= len(refused) <= 2 * 3, [sorted(r.params) for r in refused]
    second_pass = asked[-3:]
    assert all(r.status == 200 for r in second_pass)
    for r in second_pass:  # once learned, every request is put the way the model takes it
        assert "max_completion_tokens" in r.params
        assert not {"max_tokens", "temperature"} & r.params


async def test_chunks_answered_out_of_order_are_reassembled_in_order(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    count = 12
    fake.script(
        *(Rule(f"Paragraph {i}:", Answer(latency=(count - i) * 0.03)) for i in range(count))
    )
    text = paragraphs(count)
    envelopes = await run_job(llm_server, {"text": text, "passes": 1, "strategies": ["clarity"]})
    assert types(envelopes)[-2:] == ["done", "stream_end"]
    assert await final_text(llm_server, envelopes) == text.upper()
    assert fake.max_active > 1, "chunks run concurrently"
    assert fake.max_active <= 4, "within the per-job limit"


async def test_context_length_error_is_recovered_by_splitting(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    # The server refuses any request holding OVERSIZE and more than one paragraph.
    fake.script(Rule("OVERSIZE", context_length_exceeded(), when=lambda d: "\n\n" in d))
    text = short_paragraphs(12).replace("Short 5:", "Short 5 OVERSIZE:")
    envelopes = await run_job(llm_server, {"text": text, "passes": 1, "strategies": ["concise"]})
    assert types(envelopes)[-2:] == ["done", "stream_end"]
    assert await final_text(llm_server, envelopes) == text.upper(), "no text lost"
    progress = [e["data"] for e in envelopes if e["type"] == "pass_progress"]
    preview = "\n\n".join(shown_per_chunk(progress, 1))
    assert preview == text.upper().strip(), "the preview keeps the space between the halves"
    statuses = [r.status for r in fake.recorded("OVERSIZE")]
    assert statuses[0] == 400
    assert statuses[-1] == 200
    assert completes(envelopes)[0]["metrics"]["chunks_split"] >= 1


async def test_rate_limit_then_success(fake: FakeOpenAI, llm_server: ServerProcess) -> None:
    fake.script(Rule("THROTTLE", rate_limited(100), times=1))
    text = paragraphs(3).replace("Paragraph 1:", "Paragraph 1 THROTTLE:")
    envelopes = await run_job(llm_server, {"text": text, "passes": 1, "strategies": ["grammar"]})
    assert types(envelopes)[-2:] == ["done", "stream_end"]
    assert [r.status for r in fake.recorded("THROTTLE")] == [429, 200]
    assert completes(envelopes)[0]["metrics"]["retries"] == 1
    assert await final_text(llm_server, envelopes) == text.upper()


async def test_preamble_and_fence_are_stripped(fake: FakeOpenAI, llm_server: ServerProcess) -> None:
    fake.script(
        Rule("PREAMBLE", Answer(preamble="Here is the revised text:\n\n")),
        Rule("FENCED", Answer(transform=lambda d: f"```markdown\n{d.upper()}\n```")),
    )
    text = "\n\n".join(
        [paragraphs(1, " PREAMBLE"), paragraphs(1, " FENCED"), paragraphs(1, " PLAIN")]
    )
    envelopes = await run_job(llm_server, {"text": text, "passes": 1, "strategies": ["friendly"]})
    assert await final_text(llm_server, envelopes) == text.upper()
    assert completes(envelopes)[0]["metrics"]["chunks_rejected"] == 0


async def test_answer_that_drops_half_the_text_is_rejected(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    def drop_half(document: str) -> str:
        words = document.upper().split()
        return " ".join(words[: len(words) // 2 - 1])

    fake.script(Rule("LOSSY", Answer(transform=drop_half)))
    parts = [paragraphs(1, " KEEP"), paragraphs(1, " LOSSY"), paragraphs(1, " ALSO")]
    envelopes = await run_job(
        llm_server, {"text": "\n\n".join(parts), "passes": 1, "strategies": ["academic"]}
    )
    assert types(envelopes)[-2:] == ["done", "stream_end"]
    assert await final_text(llm_server, envelopes) == "\n\n".join(
        [parts[0].upper(), parts[1], parts[2].upper()]
    ), "the rejected chunk keeps its previous text; the others change"
    assert completes(envelopes)[0]["metrics"]["chunks_rejected"] == 1


@pytest.mark.parametrize(
    ("answer", "most_requests"),
    [
        (Answer(transform=lambda d: " ".join([d.upper()] * 10)), 1),  # it runs on and on
        (Answer(transform=lambda d: d[: len(d) // 2], finish="content_filter"), 1),
        # Always cut off at the limit: its long paragraph cut down to 400 characters.
        (Answer(finish="length"), 15),
    ],
    ids=["grows", "filtered", "runs-to-the-limit"],
)
async def test_an_answer_that_cannot_stand_for_its_chunk_keeps_the_chunks_text(
    fake: FakeOpenAI, llm_server: ServerProcess, answer: Answer, most_requests: int
) -> None:
    fake.script(Rule("", answer))
    text = " ".join(f"Sentence {i} of the paragraph ends here." for i in range(60))
    envelopes = await run_job(llm_server, {"text": text, "passes": 1, "strategies": ["academic"]})
    assert types(envelopes)[-2:] == ["done", "stream_end"]
    assert await final_text(llm_server, envelopes) == text
    metrics = completes(envelopes)[0]["metrics"]
    assert metrics["chunks_rejected"] >= 1
    assert 1 <= len(fake.recorded()) <= most_requests * metrics["chunks"]


async def test_a_chunk_cut_off_every_time_is_halved_four_times_at_most(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    fake.script(Rule("", Answer(finish="length")))
    text = short_paragraphs(64)  # one chunk for the wide model: 64 halves 6 times over
    body = {"text": text, "passes": 1, "strategies": ["academic"], "model": WIDE}
    envelopes = await run_job(llm_server, body)
    assert types(envelopes)[-2:] == ["done", "stream_end"]
    assert await final_text(llm_server, envelopes) == text
    assert completes(envelopes)[0]["metrics"]["chunks"] == 1
    assert len(fake.recorded()) == 1 + 2 + 4 + 8 + 16


async def test_a_model_that_evens_out_blank_lines_keeps_a_docx_s_empty_paragraphs(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    fake.transform = lambda d: re.sub(r"\n{3,}", "\n\n", d.upper())
    document = docx.Document()
    for text in ("The first paragraph.", "", "The third, after an empty one.", "The last."):
        document.add_paragraph(text)
    request = {"passes": 1, "strategies": ["grammar"], "engine": "openai"}
    async with httpx.AsyncClient(base_url=llm_server.url, timeout=30) as client:
        started = await client.post(
            "/refine/run",
            data={"request": json.dumps(request)},
            files={"file": ("empty.docx", to_bytes(document), "application/octet-stream")},
        )
        assert started.status_code == 202, started.text
        envelopes = await collect_ws(f"{llm_server.ws_url}/ws/progress/{started.json()['job_id']}")
        assert types(envelopes)[-2:] == ["done", "stream_end"], envelopes[-2]
        text = await final_text(llm_server, envelopes)
    assert text.split("\n\n") == [
        "THE FIRST PARAGRAPH.",
        "",
        "THE THIRD, AFTER AN EMPTY ONE.",
        "THE LAST.",
    ]


async def test_unknown_model_fails_the_job_with_its_code(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    envelopes = await run_job(
        llm_server, {"text": paragraphs(3), "passes": 2, "model": "no-such-model"}
    )
    assert types(envelopes)[-2:] == ["error", "stream_end"]
    error = envelopes[-2]["data"]
    assert error["code"] == "model_not_found"
    assert error["retryable"] is False
    assert "no-such-model" in error["message"]
    assert all(r.status == 404 for r in fake.recorded()), "no retries"


async def test_cancel_aborts_the_requests_in_flight(
    fake: FakeOpenAI, llm_server: ServerProcess
) -> None:
    fake.script(Rule("SLOWLY", Answer(latency=60, first_token=0.05, pieces=200)))
    async with httpx.AsyncClient(base_url=llm_server.url, timeout=30) as client:
        started = await client.post(
            "/refine/run", json={"text": paragraphs(3, " SLOWLY"), "passes": 1}
        )
        job_id = started.json()["job_id"]
        first = await collect_ws(
            f"{llm_server.ws_url}/ws/progress/{job_id}",
            stop_at="pass_progress",
        )
        assert first[-1]["data"].get("delta"), "the answer is being written"
        assert (await client.post(f"/jobs/{job_id}/cancel")).status_code == 200
        rest = await collect_ws(f"{llm_server.ws_url}/ws/progress/{job_id}?after=0")
    assert types(rest)[-2:] == ["cancelled", "stream_end"]
    assert await anyio.to_thread.run_sync(fake.aborted.wait, 10), "the server saw the abort"
    assert not any(r.finished for r in fake.recorded("SLOWLY"))


async def test_strategies_say_which_engine_runs_them(llm_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=llm_server.url, timeout=30) as client:
        catalogue = (await client.get("/strategies")).json()
        by_name = {s["name"]: s for s in catalogue["strategies"]}
        for name in ("clarity", "formal", "friendly", "grammar", "academic"):
            assert by_name[name]["engines"] == ["openai"]
        for name in ("normalize", "concise", "plain"):
            assert set(by_name[name]["engines"]) >= {"local", "openai"}
        refused = await client.post(
            "/refine/run", json={"text": "Hello.", "engine": "local", "strategies": ["formal"]}
        )
    assert refused.status_code == 422
    assert refused.json()["code"] == "strategy_unavailable"
    assert "openai" in refused.json()["detail"]


async def test_without_a_key_the_llm_is_asked_for_in_vain(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        llm_only = await client.post("/refine/run", json={"text": "Hi.", "strategies": ["clarity"]})
        openai = await client.post("/refine/run", json={"text": "Hi.", "engine": "openai"})
    assert llm_only.status_code == 422
    assert llm_only.json()["code"] == "strategy_unavailable"
    assert "openai" in llm_only.json()["detail"]
    assert "OPENAI_API_KEY" in llm_only.json()["detail"]
    assert openai.status_code == 422
    assert openai.json()["code"] == "engine_unavailable"
    assert "OPENAI_API_KEY" in openai.json()["detail"]


async def test_without_a_key_the_catalogue_still_shows_the_llm_strategies(
    server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        catalogue = (await client.get("/strategies")).json()
    by_name = {s["name"]: s for s in catalogue["strategies"]}
    clarity = by_name["clarity"]
    assert clarity["engines"] == [], "no engine here runs it"
    assert "OPENAI_API_KEY" in clarity["unavailable"]["openai"]
    assert clarity["description"]
    assert "openai" in by_name["normalize"]["unavailable"], "the LLM would run it too"
    assert "local" in by_name["normalize"]["engines"]
    assert "openai" not in catalogue["default_plan"], "only engines offered here have a plan"


async def test_bad_key_fails_fast_and_is_never_shown(fake: FakeOpenAI, make_server: Any) -> None:
    secret = "sk-test-WRONG-key-that-must-not-leak-4242"
    proc: ServerProcess = make_server(
        OPENAI_API_KEY=secret,
        OPENAI_BASE_URL=fake.base_url,
        REFINER_MODEL=MODEL,
        REFINER_CONTEXT_WINDOWS=json.dumps({MODEL: WINDOW}),
        REFINER_LOG_LEVEL="debug",
    )
    envelopes = await run_job(proc, {"text": paragraphs(8), "passes": 3})
    assert types(envelopes)[-2:] == ["error", "stream_end"]
    error = envelopes[-2]["data"]
    assert error["code"] == "auth_failed"
    assert error["retryable"] is False
    assert "OPENAI_API_KEY" in error["message"]
    assert all(r.status == 401 for r in fake.recorded())
    assert len(fake.recorded()) <= 8, "no request is retried"
    assert secret in fake.recorded()[0].authorization, "the key was sent, and refused"

    async with httpx.AsyncClient(base_url=proc.url, timeout=30) as client:
        job = (await client.get(f"/jobs/{envelopes[0]['job_id']}")).text
        replay = (await client.get(f"/jobs/{envelopes[0]['job_id']}/events")).text
    leaks = {
        "events": json.dumps(envelopes),
        "job": job,
        "replay": replay,
        "log": proc.log(),
    }
    for where, text in leaks.items():
        assert secret not in text, f"the key leaked into the {where}"
        assert secret[10:] not in text, f"part of the key leaked into the {where}"
    assert "auth_failed" in leaks["job"]
    assert " DEBUG " in leaks["log"], "the server logged at debug level"
