"""Chunks of whole paragraphs that fit a budget and put the document back exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.engines.llm.chunking import (
    Chunk,
    blocks,
    chunk_text,
    estimate_tokens,
    halve,
    is_code,
    paragraph_count,
)
from service.engines.llm.engine import chunk_budget

CODE = "```python\ndef f():\n\n\n    return 1\n```"
TEXT = (
    "\n\nFirst paragraph. It has two sentences.\n\n"
    f"{CODE}\n\n"
    "Third paragraph,\nwith a line break.\n\n\n"
    "Fourth and last.\n"
)


def join(chunks: list[Chunk]) -> str:
    return "".join(c.text for c in chunks)


def test_blocks_are_paragraphs_and_a_code_block_is_one() -> None:
    found = blocks(TEXT)
    assert "".join(found) == TEXT
    assert [b.strip() for b in found] == [
        "First paragraph. It has two sentences.",
        CODE,
        "Third paragraph,\nwith a line break.",
        "Fourth and last.",
    ]
    assert paragraph_count(TEXT) == 4


def test_chunks_hold_whole_paragraphs_within_the_budget() -> None:
    chunks = chunk_text(TEXT, budget=20)
    assert join(chunks) == TEXT
    assert all(estimate_tokens(c.body) <= 20 for c in chunks if c.body != CODE)
    assert [c.body for c in chunks if "```" in c.body] == [CODE], "the code block is not cut"
    assert chunks[0].lead == "\n\n", "whitespace stays outside what the model sees"


def test_a_large_budget_makes_one_chunk() -> None:
    chunks = chunk_text(TEXT, budget=10_000)
    assert len(chunks) == 1
    assert join(chunks) == TEXT


def test_a_long_paragraph_is_cut_between_sentences() -> None:
    paragraph = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = chunk_text(paragraph, budget=30)
    assert len(chunks) > 1
    assert join(chunks) == paragraph
    assert all(c.body.endswith(".") for c in chunks)


def test_a_code_block_larger_than_the_budget_stays_whole() -> None:
    code = "```\n" + "x = 1\n\n" * 200 + "```"
    chunks = chunk_text(f"Intro.\n\n{code}\n\nOutro.", budget=20)
    assert code in [c.body for c in chunks]
    assert halve(Chunk.of(code)) is None


def test_halving_keeps_every_character() -> None:
    chunk = Chunk.of(TEXT)
    halves = halve(chunk)
    assert halves is not None
    assert halves[0].text + halves[1].text == TEXT
    single = Chunk.of("One sentence here. Another one there. And a third.")
    parts = halve(single)
    assert parts is not None
    assert parts[0].text + parts[1].text == single.text
    assert halve(Chunk.of("Unbreakable")) is None


def test_only_code_is_not_sent() -> None:
    assert is_code(CODE)
    assert not is_code(f"Intro.\n\n{CODE}")


def test_budget_leaves_room_for_the_prompt_and_the_answer() -> None:
    budget = chunk_budget(window=8192, overhead_tokens=400, max_answer_tokens=4096)
    assert 400 + budget + budget * 1.25 <= 8192
    assert chunk_budget(window=1_000_000, overhead_tokens=400, max_answer_tokens=4096) * 1.25 <= (
        4096
    )


_LINES = st.sampled_from(
    ["", " ", "Word and word.", "Another sentence! Yes?", "```", "~~~~", "    code", "é日本語"]
)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(_LINES, max_size=40), budget=st.integers(min_value=1, max_value=60))
def test_chunking_is_lossless(lines: list[str], budget: int) -> None:
    text = "\n".join(lines)
    chunks = chunk_text(text, budget)
    assert join(chunks) == text
    for chunk in chunks:
        halves = halve(chunk)
        if halves is not None:
            assert halves[0].text + halves[1].text == chunk.text
