"""Time one openai-engine pass over 64 chunks against a server that takes 200 ms a completion.

Run as ``.venv/bin/python -m bench.llm_speed [--chunks 64] [--concurrency 8]
[--latency 0.2] [--runs 3]``. The server is the tests' OpenAI-compatible fake
(``tests/support/fake_openai.py``) on loopback, streaming each answer in
pieces over ``--latency`` seconds; the engine is the real one, with the real
``openai`` client, as the service builds it. The ideal is every completion
back to back on ``--concurrency`` lanes: ``chunks / concurrency x latency``.
The target is a median within 1.3 times that.
"""

from __future__ import annotations

import argparse
import statistics
import time

import anyio

from service.engines.base import PassOptions
from service.engines.llm import LLMConfig, OpenAIEngine
from service.engines.llm.chunking import chunk_text, estimate_tokens
from service.engines.llm.engine import chunk_budget
from service.engines.llm.models import ModelTable
from service.engines.llm.prompts import prompt_book
from tests.support.fake_openai import FakeOpenAI

MODEL = "bench-model"
WINDOW = 1000  # small, so that each paragraph below is a chunk of its own
STRATEGY = "grammar"
SENTENCE = "The committee reviewed the proposal and agreed to revisit the budget later. "


def document(chunks: int, config: LLMConfig) -> str:
    text = "\n\n".join(f"Paragraph {i}: {SENTENCE * 6}".strip() for i in range(chunks))
    overhead = estimate_tokens(prompt_book().overhead(STRATEGY))
    budget = chunk_budget(WINDOW, overhead, config.max_answer_tokens)
    found = len(chunk_text(text, budget))
    assert found == chunks, f"the document makes {found} chunks, not {chunks}"
    return text


async def one_pass(engine: OpenAIEngine, text: str) -> float:
    began = time.perf_counter()
    outcome = await engine.run_pass(text, STRATEGY, PassOptions(), lambda *_: None)
    elapsed = time.perf_counter() - began
    assert outcome.text == text.upper(), "every chunk came back, in order"
    assert outcome.extra_metrics["chunks_rejected"] == 0
    return elapsed


async def measure(args: argparse.Namespace, fake: FakeOpenAI) -> list[float]:
    config = LLMConfig(
        model=MODEL,
        concurrency_per_job=args.concurrency,
        models=ModelTable.load({MODEL: WINDOW}),
    )
    text = document(args.chunks, config)
    engine = OpenAIEngine.connect(fake.api_key, fake.base_url, config)
    try:
        await one_pass(engine, text)  # warm-up: connections, imports
        return [await one_pass(engine, text) for _ in range(args.runs)]
    finally:
        await engine.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per completion")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with FakeOpenAI(latency=args.latency) as fake:
        times = anyio.run(measure, args, fake)
        assert fake.max_active <= args.concurrency
    ideal = args.chunks / args.concurrency * args.latency
    median = statistics.median(times)
    print(
        f"{args.chunks} chunks, concurrency {args.concurrency}, {args.latency * 1000:.0f} ms "
        f"per completion, {args.runs} runs"
    )
    print(f"ideal  {ideal:.3f} s")
    print(f"median {median:.3f} s  min {min(times):.3f} s  max {max(times):.3f} s")
    print(f"ratio to ideal: median {median / ideal:.3f}, max {max(times) / ideal:.3f}")
    print("target: median within 1.3 x ideal:", "met" if median <= 1.3 * ideal else "NOT met")


if __name__ == "__main__":
    main()
