"""The supervisor: one task group, one temporary child actor per job.

It starts an actor for each job it is given, bounds how many run at once
(:class:`JobSlots`), finds actors by job id, and restarts nothing: an actor
that fails ends its own job with an ``error`` event. At start it ends the
jobs a previous process left running; at shutdown it interrupts the running
ones so that every open stream receives a terminal event.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup, TaskStatus

from actors.broadcast import Subscription
from actors.errors import ActorStopped, JobConflict, JobNotFound, ShuttingDown
from actors.events import Encode, Envelope, JobFailed, StreamEnded
from actors.job import JobActor
from actors.messages import CancelJob, InterruptJob
from actors.observer import JobObserver
from actors.slots import JobSlots
from actors.stats import EventStats
from service.documents.outputs import remove_job_outputs
from service.engines.base import Engine
from service.store import JobRecord, JobStatus, NewJob, Store

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class SupervisorConfig:
    max_jobs: int
    max_queue: int
    output_dir: Path
    retention_seconds: float
    cleanup_interval_seconds: float
    subscriber_buffer: int = 1024
    templates_dir: Path = Path("templates")


class Supervisor(anyio.AsyncContextManagerMixin):
    """Owns every job actor. Use as ``async with Supervisor(...) as supervisor``."""

    def __init__(
        self,
        store: Store,
        engines: Mapping[str, Engine],
        config: SupervisorConfig,
        *,
        encode: Encode,
        observer: JobObserver | None = None,
    ) -> None:
        """``encode`` writes each event's envelope (the transports' codec)."""
        self.store = store
        self.encode = encode
        self.engines = engines
        self.config = config
        self.stats = EventStats()
        self.observer = observer
        self.slots = JobSlots(config.max_jobs, config.max_queue)
        self._actors: dict[str, JobActor] = {}
        self._claimed: set[str] = set()  # jobs a resume or delete is at work on
        self._stopping = False  # set by interrupt_all: no job starts after it
        self._tg: TaskGroup | None = None

    @asynccontextmanager
    async def __asynccontextmanager__(self) -> AsyncIterator[Supervisor]:
        self.end_abandoned_jobs()
        async with anyio.create_task_group() as tg:
            self._tg = tg
            tg.start_soon(self._clean_up_periodically)
            try:
                yield self
            finally:
                with anyio.CancelScope(shield=True):
                    await self.interrupt_all()
                tg.cancel_scope.cancel()
                self._tg = None

    # asking about jobs

    def actor(self, job_id: str) -> JobActor | None:
        return self._actors.get(job_id)

    @property
    def running(self) -> int:
        return self.slots.running

    @property
    def queued(self) -> int:
        return self.slots.waiting

    def queue_position(self, job_id: str) -> int:
        return self.slots.position(job_id)

    async def subscribe(self, job_id: str, after: int) -> Subscription | None:
        """A live subscription, or None when no actor runs the job (read the log)."""
        actor = self._actors.get(job_id)
        if actor is None:
            return None
        try:
            return await actor.subscribe(after)
        except ActorStopped:
            return None

    # commands

    async def submit(self, job: NewJob) -> tuple[JobRecord, bool]:
        """Store a job and start its actor; a repeated idempotency key returns the first job."""
        return await self._start(job.id, lambda: self.store.create_job(job))

    async def cancel(self, job_id: str, reason: str = "cancelled on request") -> JobStatus:
        actor = self._actors.get(job_id)
        if actor is not None:
            try:
                status: JobStatus = await actor.ask(CancelJob(reason))
                return status
            except ActorStopped:
                pass
        record = await self.store.get_job(job_id)
        if record is None:
            raise JobNotFound(job_id)
        if record.status is JobStatus.CANCELLED:
            return record.status
        raise JobConflict(f"job {job_id} is {record.status.value}; nothing to cancel")

    async def resume(self, job_id: str) -> JobRecord:
        """Run an interrupted or failed job again from its last stored pass."""
        self._refuse_when_stopping()
        with self._claim(job_id, running="is already queued or running"):
            record = await self.store.get_job(job_id)
            if record is None:
                raise JobNotFound(job_id)
            if not record.status.resumable:
                raise JobConflict(
                    f"job {job_id} is {record.status.value}; only interrupted or failed jobs resume"
                )
            if record.engine not in self.engines:
                raise JobConflict(
                    f"job {job_id} ran on the {record.engine!r} engine, which this deployment "
                    "does not offer now"
                )

            async def requeue() -> tuple[JobRecord, bool]:
                await self.store.record_transition(
                    job_id, JobStatus.QUEUED, time.time(), None, reason="resumed"
                )
                resumed = await self.store.get_job(job_id)
                assert resumed is not None
                return resumed, True

            resumed, _ = await self._start(job_id, requeue)
            return resumed

    async def delete(self, job_id: str) -> None:
        with self._claim(job_id, running="is queued or running; cancel it first"):
            record = await self.store.get_job(job_id)
            if record is None:
                raise JobNotFound(job_id)
            if not record.status.finished:
                raise JobConflict(f"job {job_id} is {record.status.value}; cancel it first")
            await self._delete([job_id])

    async def _start(
        self, job_id: str, store: Callable[[], Awaitable[tuple[JobRecord, bool]]]
    ) -> tuple[JobRecord, bool]:
        """Take the job's place in line, ``store`` it, and start its actor.

        The place is taken before the first await, so that jobs started at
        once cannot overfill the line. Shielded: a job stored must get its
        actor, even if the caller gives up waiting (a client gone
        mid-request); else it would stay queued with nothing to run or
        cancel it. The place is given back if no actor takes it.
        """
        self._refuse_when_stopping()
        self.slots.check_capacity()
        place = self.slots.reserve(job_id)
        spawned = False
        try:
            with anyio.CancelScope(shield=True):
                record, created = await store()
                if created:
                    await self._spawn(record, place)
                    spawned = True
        finally:
            if not spawned:
                self.slots.forfeit(job_id)
        return record, created

    def _refuse_when_stopping(self) -> None:
        """A job started after ``interrupt_all`` would run until the process ends,
        and its streams be cut without a terminal event."""
        if self._stopping:
            raise ShuttingDown

    @contextlib.contextmanager
    def _claim(self, job_id: str, *, running: str) -> Iterator[None]:
        """Hold ``job_id`` for one resume or delete; ``running`` says why a job with an
        actor is refused."""
        if job_id in self._actors:
            raise JobConflict(f"job {job_id} {running}")
        with self._claiming([job_id]):
            yield

    @contextlib.contextmanager
    def _claiming(self, job_ids: list[str]) -> Iterator[None]:
        """Hold ``job_ids``, taken before the first await, so that two commands at once
        (a resume and a delete, or a clean-up) cannot both act on one job."""
        taken = [job_id for job_id in job_ids if job_id in self._claimed]
        if taken:
            raise JobConflict(f"job {taken[0]} is being resumed or deleted; try again")
        self._claimed.update(job_ids)
        try:
            yield
        finally:
            self._claimed.difference_update(job_ids)

    async def _delete(self, job_ids: list[str]) -> None:
        await self.store.delete_jobs(job_ids)
        for job_id in job_ids:
            await anyio.to_thread.run_sync(remove_job_outputs, self.config.output_dir, job_id)

    async def interrupt_all(self) -> None:
        """Stop every running job as interrupted and wait, within a deadline, for their ends.

        A full mailbox is waited on, not skipped: the interrupt must arrive.
        """

        self._stopping = True

        async def interrupt(actor: JobActor) -> None:
            with contextlib.suppress(ActorStopped):
                await actor.tell(InterruptJob())
            await actor.wait_stopped()

        with anyio.move_on_after(SHUTDOWN_SECONDS):
            async with anyio.create_task_group() as tg:
                for actor in list(self._actors.values()):
                    tg.start_soon(interrupt, actor)

    # children

    async def _spawn(self, record: JobRecord, place_in_line: int) -> None:
        """Start the job's actor, which takes over its reserved place in line."""
        assert self._tg is not None, "the supervisor is not running"
        actor = JobActor(
            record,
            store=self.store,
            engine=self.engines[record.engine],
            slots=self.slots,
            place_in_line=place_in_line,
            output_dir=self.config.output_dir,
            encode=self.encode,
            templates_dir=self.config.templates_dir,
            subscriber_buffer=self.config.subscriber_buffer,
            stats=self.stats,
            observer=self.observer,
        )
        self._actors[record.id] = actor
        try:
            await self._tg.start(self._supervise, actor)
        except BaseException:
            self._actors.pop(record.id, None)
            raise
        if self._stopping:  # started while interrupt_all ran, after it looked
            actor.tell_nowait(InterruptJob())

    async def _supervise(
        self, actor: JobActor, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        try:
            await actor.run(task_status=task_status)
        except Exception:
            # The actor's own boundary failed (its store was unreachable, say):
            # spare the siblings; the job is ended again at the next start.
            log.exception("actor of job %s stopped abnormally", actor.job_id)
        finally:
            if self._actors.get(actor.job_id) is actor:
                del self._actors[actor.job_id]

    # housekeeping

    def end_abandoned_jobs(self) -> None:
        """Mark jobs a dead process left queued or running as interrupted, ending their logs."""
        now = time.time()
        for job in self.store.unfinished_jobs_sync():
            error = JobFailed(
                "the service stopped while the job was running", code="interrupted", retryable=True
            )
            ends = [
                Envelope(job.id, seq, now, event, self.encode(job.id, seq, now, event))
                for seq, event in ((job.next_seq, error), (job.next_seq + 1, StreamEnded()))
            ]
            self.store.interrupt_sync(job.id, now, error, [e.stored() for e in ends])
            log.info("job %s was left %s; now interrupted", job.id, job.status.value)

    async def _clean_up_periodically(self) -> None:
        while True:
            await anyio.sleep(self.config.cleanup_interval_seconds)
            try:
                await self.clean_up_expired()
            except Exception:
                log.exception("clean-up of expired jobs failed; will try again")

    async def clean_up_expired(self) -> int:
        cutoff = time.time() - self.config.retention_seconds
        removed = 0
        while expired := [
            j
            for j in await self.store.finished_before(cutoff)
            if j not in self._actors and j not in self._claimed
        ]:
            with self._claiming(expired):
                await self._delete(expired)
            removed += len(expired)
        if removed:
            log.info("removed %d jobs finished before the retention period", removed)
        return removed
