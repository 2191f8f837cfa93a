"""The supervisor and its actors in-process, with engines made for the test."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import anyio
import pytest

from actors.errors import JobConflict, QueueFull, ShuttingDown
from actors.events import Envelope
from actors.job import JobActor
from actors.messages import Subscribe
from actors.supervisor import Supervisor, SupervisorConfig
from service.engines.base import PassOptions, PassOutcome, ProgressCallback, StrategyInfo
from service.store import JobStatus, NewDocument, NewJob, Store
from transports import codec


class ScriptedEngine:
    """Upper-cases text; fails on a strategy named ``explode``; ``wait`` blocks until released;
    ``chatty`` publishes 3,000 progress events."""

    name = "scripted"

    def __init__(self) -> None:
        self.release = anyio.Event()

    def strategies(self) -> Mapping[str, StrategyInfo]:
        return {n: StrategyInfo(n, n) for n in ("upper", "explode", "wait", "chatty")}

    def default_plan(self) -> tuple[str, ...]:
        return ("upper",)

    def validate(self, strategies: tuple[str, ...], options: PassOptions) -> None:
        pass

    async def run_pass(
        self, text: str, strategy: str, options: PassOptions, progress: ProgressCallback
    ) -> PassOutcome:
        if strategy == "explode":
            raise ZeroDivisionError("a bug in the engine")
        if strategy == "wait":
            await self.release.wait()
        if strategy == "chatty":  # past half a block of reserved seqs
            for done in range(1, 3001):
                progress(done, 3000, None)
        progress(1, 1, None)
        return PassOutcome(text.upper())


def new_job(job_id: str, strategies: tuple[str, ...]) -> NewJob:
    return NewJob(
        id=job_id,
        name=None,
        engine="scripted",
        model=None,
        passes=len(strategies),
        strategies=strategies,
        options={"stop_when_unchanged": False},
        output_format=None,
        idempotency_key=None,
        created_at=time.time(),
        documents=(NewDocument(f"file_{job_id}", "a.txt", "txt", "some text", {}),),
    )


@pytest.fixture
async def supervisor(tmp_path: Path) -> AsyncIterator[Supervisor]:
    store = Store(tmp_path / "data")
    config = SupervisorConfig(
        max_jobs=4,
        max_queue=10,
        output_dir=tmp_path / "out",
        retention_seconds=3600,
        cleanup_interval_seconds=3600,
    )
    async with Supervisor(
        store, {"scripted": ScriptedEngine()}, config, encode=codec.encode
    ) as sup:
        yield sup
    store.close()


async def follow(supervisor: Supervisor, job_id: str) -> list[Envelope]:
    sub = await supervisor.subscribe(job_id, after=0)
    assert sub is not None
    seen: list[Envelope] = []
    with anyio.fail_after(10):
        while batch := await sub.next_batch():
            seen.extend(batch)
    return seen


async def test_a_crashing_job_fails_alone(supervisor: Supervisor) -> None:
    engine = supervisor.engines["scripted"]
    assert isinstance(engine, ScriptedEngine)
    await supervisor.submit(new_job("job_ok", ("wait", "upper")))
    await supervisor.submit(new_job("job_bad", ("upper", "explode")))
    bad = await follow(supervisor, "job_bad")
    assert [e.type for e in bad if e.durable][-2:] == ["error", "stream_end"]
    assert codec.data(bad[-2].event)["code"] == "internal"
    assert "ZeroDivisionError" in codec.data(bad[-2].event)["message"]

    engine.release.set()
    good = await follow(supervisor, "job_ok")
    assert [e.type for e in good][-2:] == ["done", "stream_end"]

    failed = await supervisor.store.get_job("job_bad")
    assert failed is not None
    assert failed.status is JobStatus.FAILED
    kept = await supervisor.store.versions("file_job_bad")
    assert [v.pass_number for v in kept] == [0, 1], "the pass before the crash is kept"


async def test_the_log_holds_every_durable_event_that_was_published(supervisor: Supervisor) -> None:
    await supervisor.submit(new_job("job_log", ("upper", "upper")))
    live = await follow(supervisor, "job_log")
    logged = await supervisor.store.events_after("job_log", 0)
    assert [s.body for s in logged] == [e.text.encode() for e in live if e.durable]


async def test_shutdown_interrupts_running_jobs(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    config = SupervisorConfig(4, 10, tmp_path / "out", 3600, 3600)
    async with Supervisor(
        store, {"scripted": ScriptedEngine()}, config, encode=codec.encode
    ) as sup:
        await sup.submit(new_job("job_wait", ("wait",)))
        sub = await sup.subscribe("job_wait", after=0)
        assert sub is not None
    job = await store.get_job("job_wait")
    assert job is not None
    assert job.status is JobStatus.INTERRUPTED
    events = [e.type for e in await sub.next_batch()]
    assert events[-2:] == ["error", "stream_end"]
    store.close()


async def test_of_two_resumes_at_once_one_runs_the_job_and_the_other_is_refused(
    supervisor: Supervisor,
) -> None:
    await supervisor.submit(new_job("job_twice", ("upper", "explode")))
    await follow(supervisor, "job_twice")  # failed, and so resumable
    outcomes: list[str] = []
    resumed: list[JobActor] = []

    async def resume() -> None:
        try:
            await supervisor.resume("job_twice")
        except JobConflict as exc:
            outcomes.append(str(exc))
        else:
            outcomes.append("resumed")
            actor = supervisor.actor("job_twice")
            assert actor is not None
            resumed.append(actor)

    async with anyio.create_task_group() as tg:
        tg.start_soon(resume)
        tg.start_soon(resume)
    assert sorted(outcomes) == ["job job_twice is being resumed or deleted; try again", "resumed"]
    with anyio.fail_after(10):
        await resumed[0].wait_stopped()
    job = await supervisor.store.get_job("job_twice")
    assert job is not None
    assert job.status is JobStatus.FAILED, "it ran its failing pass again, once"
    transitions = await supervisor.store.transitions("job_twice")
    assert [t.reason for t in transitions].count("resumed") == 1
    logged = [e.seq for e in await supervisor.store.events_after("job_twice", 0)]
    assert logged == sorted(set(logged)), "one actor wrote the log"


async def test_jobs_submitted_at_once_never_overfill_the_line(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    config = SupervisorConfig(1, 2, tmp_path / "out", 3600, 3600)
    accepted: list[str] = []
    async with Supervisor(
        store, {"scripted": ScriptedEngine()}, config, encode=codec.encode
    ) as sup:

        async def submit(n: int) -> None:
            with contextlib.suppress(QueueFull):
                await sup.submit(new_job(f"job_{n}", ("wait",)))
                accepted.append(f"job_{n}")

        async with anyio.create_task_group() as tg:
            for n in range(10):
                tg.start_soon(submit, n)
        assert len(accepted) == 3, "one running and two waiting"
        assert (sup.running, sup.queued) == (1, 2)
    store.close()


async def test_a_subscriber_that_gives_up_asking_leaves_no_subscription(
    supervisor: Supervisor,
) -> None:
    engine = supervisor.engines["scripted"]
    assert isinstance(engine, ScriptedEngine)
    await supervisor.submit(new_job("job_asked", ("wait",)))
    actor = supervisor.actor("job_asked")
    assert actor is not None

    async def subscribe_and_leave() -> None:
        subscription = await supervisor.subscribe("job_asked", 0)
        if subscription is not None:
            subscription.close()

    for turns in range(8):  # cancelled at each point of the ask, the answer's among them
        for _ in range(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(subscribe_and_leave)
                for _ in range(turns):
                    await anyio.lowlevel.checkpoint()
                tg.cancel_scope.cancel()
    kept = await supervisor.subscribe("job_asked", 0)
    assert kept is not None
    assert actor.broadcast.subscriber_count == 1, "only the subscription kept"
    engine.release.set()


async def test_shutdown_interrupts_a_job_whose_mailbox_is_full(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    config = SupervisorConfig(4, 10, tmp_path / "out", 3600, 3600)
    async with Supervisor(
        store, {"scripted": ScriptedEngine()}, config, encode=codec.encode
    ) as sup:
        await sup.submit(new_job("job_busy", ("wait",)))
        actor = sup.actor("job_busy")
        assert actor is not None
        with contextlib.suppress(anyio.WouldBlock):
            while True:  # the actor's loop gets no turn to read them before shutdown
                actor.tell_nowait(Subscribe(after=0))
    job = await store.get_job("job_busy")
    assert job is not None
    assert job.status is JobStatus.INTERRUPTED, "the interrupt waited for room and arrived"
    store.close()


async def test_a_job_whose_seqs_cannot_be_reserved_still_ends_with_its_terminal_event(
    supervisor: Supervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    reserve = supervisor.store.reserve_seqs
    calls = 0

    async def failing_after_the_first(job_id: str, upto: int) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise sqlite3.OperationalError("database or disk is full")
        await reserve(job_id, upto)

    monkeypatch.setattr(supervisor.store, "reserve_seqs", failing_after_the_first)
    await supervisor.submit(new_job("job_chatty", ("chatty", "upper")))
    events = await follow(supervisor, "job_chatty")
    assert calls > 1, "a reservation failed"
    assert [e.type for e in events if e.durable][-2:] == ["done", "stream_end"]
    job = await supervisor.store.get_job("job_chatty")
    assert job is not None
    assert job.status is JobStatus.SUCCEEDED


async def test_no_job_starts_once_shutdown_has_begun(supervisor: Supervisor) -> None:
    await supervisor.submit(new_job("job_before", ("upper",)))
    await follow(supervisor, "job_before")
    await supervisor.interrupt_all()
    with pytest.raises(ShuttingDown):
        await supervisor.submit(new_job("job_after", ("upper",)))
    with pytest.raises(ShuttingDown):
        await supervisor.resume("job_before")
    assert await supervisor.store.get_job("job_after") is None, "nothing was stored"


async def test_a_cancel_while_a_job_stores_its_end_does_not_claim_to_have_cancelled_it(
    supervisor: Supervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_transition = supervisor.store.record_transition
    storing_the_end = anyio.Event()
    may_finish = anyio.Event()

    async def slow_end(job_id: str, status: JobStatus, *args: Any, **kwargs: Any) -> None:
        if status is JobStatus.SUCCEEDED:
            storing_the_end.set()
            await may_finish.wait()
        await record_transition(job_id, status, *args, **kwargs)

    monkeypatch.setattr(supervisor.store, "record_transition", slow_end)
    await supervisor.submit(new_job("job_ending", ("upper",)))
    with anyio.fail_after(10):
        await storing_the_end.wait()
        with pytest.raises(JobConflict, match="has already succeeded"):
            await supervisor.cancel("job_ending")
        may_finish.set()
        actor = supervisor.actor("job_ending")
        if actor is not None:
            await actor.wait_stopped()
    job = await supervisor.store.get_job("job_ending")
    assert job is not None
    assert job.status is JobStatus.SUCCEEDED


async def test_a_job_being_stored_as_shutdown_begins_is_interrupted_too(
    supervisor: Supervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_job = supervisor.store.create_job
    storing, stored = anyio.Event(), anyio.Event()

    async def slowly(job: NewJob) -> Any:
        storing.set()
        await stored.wait()
        return await create_job(job)

    monkeypatch.setattr(supervisor.store, "create_job", slowly)
    async with anyio.create_task_group() as tg:
        tg.start_soon(supervisor.submit, new_job("job_late", ("wait",)))
        await storing.wait()  # past the check, before its actor exists
        await supervisor.interrupt_all()
        stored.set()
    actor = supervisor.actor("job_late")
    if actor is not None:
        with anyio.fail_after(10):
            await actor.wait_stopped()
    job = await supervisor.store.get_job("job_late")
    assert job is not None
    assert job.status is JobStatus.INTERRUPTED
