"""``spelling`` on the real server: the default plan, a request's and a deployment's dictionary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from service.api.schemas import MAX_DICTIONARY_WORDS, MAX_WORD_CHARS
from tests.support.server import ServerProcess
from tests.support.streams import collect_ws

TEXT = (
    "The board will recieve the quarterly report on Friday, as agreed with the auditors.\n\n"
    "We definately need more time for the Zorblax migration this quarter, and the "
    "seperate billing work waits for it until the auditors have signed off."
)


async def run_job(client: httpx.AsyncClient, server: ServerProcess, **body: Any) -> dict[str, Any]:
    started = await client.post("/refine/run", json={"text": TEXT, **body})
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    job: dict[str, Any] = (await client.get(f"/jobs/{job_id}")).json()
    assert job["status"] == "succeeded"
    return job


async def final_text(client: httpx.AsyncClient, job: dict[str, Any]) -> str:
    file_id = job["files"][0]["file_id"]
    reply = await client.get("/jobs/{}/output".format(job["job_id"]), params={"file_id": file_id})
    return reply.text


async def test_the_default_plan_fixes_typos_first(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        catalogue = (await client.get("/strategies")).json()
        spelling = next(s for s in catalogue["strategies"] if s["name"] == "spelling")
        assert spelling["engines"] == ["local"]
        assert "typos" in spelling["description"]
        assert catalogue["default_plan"]["local"][0] == "spelling"
        assert any(r["id"] == "spelling.typo" for r in catalogue["rules"])

        job = await run_job(client, server)
        assert job["strategies"][0] == "spelling"
        text = await final_text(client, job)
        assert "receive the quarterly report" in text
        assert "definitely" in text
        assert "separate billing" in text
        assert "Zorblax" in text, "a name is left"


async def test_a_requested_dictionary_protects_its_words(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        plain = await run_job(client, server, strategies=["spelling"], passes=1)
        assert "separate billing" in await final_text(client, plain)

        job = await run_job(
            client, server, strategies=["spelling"], passes=1, dictionary=["Seperate", "recieve"]
        )
        assert job["options"]["dictionary"] == ["Seperate", "recieve"], "kept for a resume"
        text = await final_text(client, job)
        assert "seperate billing" in text
        assert "will recieve the" in text
        assert "definitely" in text


async def test_a_deployment_dictionary_protects_its_words(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# our own words\nSeperate\n\n", encoding="utf-8")
    server = make_server(REFINER_DICTIONARY=str(words))
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job = await run_job(client, server, strategies=["spelling"], passes=1)
        text = await final_text(client, job)
        assert "seperate billing" in text
        assert "receive the" in text


def test_a_missing_dictionary_file_stops_the_server_with_one_line(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="exited at start") as stopped:
        make_server(REFINER_DICTIONARY=str(tmp_path / "no-such-words.txt"))
    log = str(stopped.value)
    assert "refiner: bad configuration: REFINER_DICTIONARY: " in log
    assert "no-such-words.txt" in log
    assert "Traceback" not in log


BAD_DICTIONARIES: list[tuple[object, str]] = [
    ("seperate", "must be a list"),
    ([42], "must be text"),
    (["two words"], "pattern"),
    (["tab\tword"], "pattern"),
    ([""], "at least 1 character"),
    (["x" * (MAX_WORD_CHARS + 1)], f"at most {MAX_WORD_CHARS} characters"),
    (["w"] * (MAX_DICTIONARY_WORDS + 1), f"at most {MAX_DICTIONARY_WORDS} items"),
    ({"word": "seperate"}, "must be a list"),
]


async def test_a_bad_dictionary_is_a_422_naming_the_field(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for dictionary, words in BAD_DICTIONARIES:
            reply = await client.post("/refine/run", json={"text": TEXT, "dictionary": dictionary})
            assert reply.status_code == 422, (dictionary, reply.text)
            body = reply.json()
            assert body["code"] == "invalid_request"
            assert body["detail"].startswith("dictionary"), body["detail"]
            assert words in body["detail"], (dictionary, body["detail"])


async def test_the_ws_run_op_takes_and_checks_the_dictionary(server: ServerProcess) -> None:
    async with connect(f"{server.ws_url}/ws", compression=None) as ws:
        request = {"text": TEXT, "dictionary": ["two words"]}
        await ws.send(json.dumps({"op": "run", "ref": "bad", "request": request}))
        answer = json.loads(await ws.recv())
        assert answer["op"] == "error"
        assert "dictionary" in answer["detail"]
        request = {"text": TEXT, "dictionary": ["seperate"], "strategies": ["spelling"]}
        await ws.send(json.dumps({"op": "run", "ref": "good", "request": request}))
        answer = json.loads(await ws.recv())
        assert answer["op"] == "ack", answer
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        job = (await client.get("/jobs/{}".format(answer["job_id"]))).json()
        assert job["options"]["dictionary"] == ["seperate"]
