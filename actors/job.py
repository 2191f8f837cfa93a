"""One actor per job: the only writer of its state, the only publisher of its events.

The actor reads commands from its mailbox while a second task runs the pass
loop. Every durable event is committed to the log, together with what it
announces (a version, a status), before it is published, so what a
subscriber has seen can always be replayed from the log.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, assert_never, cast

import anyio
import anyio.lowlevel
import anyio.to_thread
from anyio.abc import TaskStatus
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from actors.broadcast import Broadcast, Subscription
from actors.errors import ActorStopped, JobConflict
from actors.events import (
    AnyEvent,
    Encode,
    Envelope,
    JobCancelled,
    JobDone,
    JobEvent,
    JobFailed,
    JobFile,
    JobOutput,
    JobQueued,
    JobStarted,
    PassCompleted,
    PassMetrics,
    PassProgressed,
    PassStarted,
    StreamEnded,
)
from actors.messages import Ask, CancelJob, Command, InterruptJob, Subscribe
from actors.observer import JobObserver, NullObserver
from actors.slots import JobSlots
from actors.stats import EventStats
from service.documents.diff import changed_ratio
from service.documents.docx import SEPARATOR
from service.documents.metrics import text_metrics
from service.documents.outputs import output_path, write_atomically
from service.documents.render_cache import render_marked
from service.documents.render_slots import run_render
from service.documents.rendering import CannotRender, Rendered, TooLargeToRender
from service.documents.template_files import UnknownTemplate, read_template
from service.engines.base import Engine, EngineError, PassOptions, PassOutcome, TextDelta
from service.store import DocumentRecord, JobRecord, JobStatus, NewVersion, Store

log = logging.getLogger(__name__)

MAILBOX_SIZE = 64
# Seqs reserved at a time for transient events, which are never logged.
SEQ_BLOCK = 4096
FINAL_WRITE_SECONDS = 5.0
# After a failed seq reservation, so that a failing database is not asked at every event.
_RESERVE_RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class _Stop:
    """Why the pass loop was cancelled from outside."""

    status: JobStatus
    reason: str


class JobActor:
    """Runs one job. Start it with ``await task_group.start(actor.run)``."""

    def __init__(
        self,
        job: JobRecord,
        *,
        store: Store,
        engine: Engine,
        slots: JobSlots,
        place_in_line: int,
        output_dir: Path,
        encode: Encode,
        templates_dir: Path = Path("templates"),
        subscriber_buffer: int = 1024,
        stats: EventStats | None = None,
        observer: JobObserver | None = None,
    ) -> None:
        self.job = job
        self.job_id = job.id
        self.status = job.status
        self.broadcast = Broadcast(
            job.id, last_seq=job.next_seq - 1, subscriber_capacity=subscriber_buffer, stats=stats
        )
        self._observer = observer or NullObserver()
        self._store = store
        self._engine = engine
        self._slots = slots
        self._output_dir = output_dir
        self._encode = encode
        self._templates_dir = templates_dir
        self._seq = job.next_seq - 1
        # Transient events may use seqs up to here (see _publish_transient).
        self._reserved = self._seq
        self._reservation_wanted = anyio.Event()
        self.dropped_transient = 0
        self._stop: _Stop | None = None
        self._ending: JobStatus | None = None  # the status being stored by _finish
        self._place_in_line = place_in_line  # reserved in ``slots`` by the supervisor
        self._work_started: float | None = None
        self._work_scope: anyio.CancelScope | None = None
        self._stopped = anyio.Event()
        send, receive = anyio.create_memory_object_stream[Ask | Command](MAILBOX_SIZE)
        self._mailbox: MemoryObjectSendStream[Ask | Command] = send
        self._inbox: MemoryObjectReceiveStream[Ask | Command] = receive

    # the actor's API

    def tell_nowait(self, command: Command) -> None:
        """Queue a command; raises ``anyio.WouldBlock`` if the mailbox is full."""
        try:
            self._mailbox.send_nowait(command)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise ActorStopped(f"job {self.job_id} has stopped") from None

    async def tell(self, command: Command) -> None:
        """Queue a command, waiting for room in the mailbox."""
        try:
            await self._mailbox.send(command)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise ActorStopped(f"job {self.job_id} has stopped") from None

    async def ask(self, command: Command) -> Any:
        """Send a command and await the actor's answer; raises what the actor raised."""
        reply_send, reply_receive = anyio.create_memory_object_stream[Any](1)
        with reply_receive:
            try:
                await self._mailbox.send(Ask(command, reply_send))
            except BaseException as exc:
                # Not delivered, or (cancelled as it was taken) the actor finds the reply closed.
                reply_send.close()
                if isinstance(exc, anyio.ClosedResourceError | anyio.BrokenResourceError):
                    raise ActorStopped(f"job {self.job_id} has stopped") from None
                raise
            # The answer is awaited shielded (the actor answers from its mailbox
            # loop at once, or closes the reply as it stops), so that a
            # cancelled asker cannot drop an answer already on its way: a
            # subscription nobody reads would go on taking events.
            with anyio.CancelScope(shield=True):
                try:
                    answer = await reply_receive.receive()
                except anyio.EndOfStream:
                    raise ActorStopped(f"job {self.job_id} stopped before answering") from None
            try:
                await anyio.lowlevel.checkpoint_if_cancelled()
            except BaseException:
                if isinstance(answer, Subscription):
                    answer.close()
                raise
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def subscribe(self, after: int) -> Subscription:
        subscription: Subscription = await self.ask(Subscribe(after))
        return subscription

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    # the actor's life

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._serve_mailbox)
                tg.start_soon(self._keep_seqs_reserved)
                task_status.started()
                await self._live()
                tg.cancel_scope.cancel()
        finally:
            self._close_mailbox()
            self.broadcast.close()
            self._stopped.set()

    async def _serve_mailbox(self) -> None:
        async for message in self._inbox:
            if isinstance(message, Ask):
                with message.reply:
                    try:
                        answer: Any = self._handle(message.command)
                    except JobConflict as exc:
                        answer = exc
                    try:
                        message.reply.send_nowait(answer)
                    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                        if isinstance(answer, Subscription):
                            answer.close()  # the asker gave up waiting
            else:
                with contextlib.suppress(JobConflict):
                    self._handle(message)

    def _handle(self, command: Command) -> Any:
        match command:
            case Subscribe(after=after):
                return self.broadcast.subscribe(after)
            case CancelJob(reason=reason):
                return self._request_stop(_Stop(JobStatus.CANCELLED, reason))
            case InterruptJob(reason=reason):
                return self._request_stop(_Stop(JobStatus.INTERRUPTED, reason))

    def _request_stop(self, stop: _Stop) -> JobStatus:
        # A job whose end is being stored has ended, whatever a stop says now.
        ending = self._ending or self.status
        if ending is JobStatus.CANCELLED and stop.status is JobStatus.CANCELLED:
            return ending  # cancelling twice is fine
        if ending.finished:
            if not self.status.finished:
                raise JobConflict(
                    f"job {self.job_id} has already {ending.value} (it is storing its end); "
                    "too late to stop it"
                )
            raise JobConflict(f"job {self.job_id} has already {ending.value}")
        if self._stop is None:
            self._stop = stop
            if self._work_scope is not None:
                self._work_scope.cancel()
        return self._stop.status

    def _close_mailbox(self) -> None:
        self._mailbox.close()
        while True:
            try:
                message = self._inbox.receive_nowait()
            except (anyio.WouldBlock, anyio.EndOfStream):
                break
            if isinstance(message, Ask):
                with message.reply, contextlib.suppress(anyio.BrokenResourceError):
                    message.reply.send_nowait(ActorStopped(f"job {self.job_id} has stopped"))
        self._inbox.close()

    async def _live(self) -> None:
        with anyio.CancelScope() as scope:
            self._work_scope = scope
            if self._stop is not None:
                scope.cancel()
            try:
                try:
                    await self._emit(JobQueued(self._place_in_line))
                    await self._slots.wait_turn(self.job_id)
                except BaseException:
                    self._slots.forfeit(self.job_id)
                    raise
                try:
                    await self._work()
                finally:
                    self._slots.release()
            except EngineError as exc:
                log.info("job %s failed: %s", self.job_id, exc)
                await self._finish(JobStatus.FAILED, JobFailed(str(exc), exc.code, exc.retryable))
            except sqlite3.Error as exc:
                log.error("job %s could not store its work: %s", self.job_id, exc)
                await self._finish(
                    JobStatus.FAILED,
                    JobFailed(
                        f"the job's work could not be stored ({exc}); "
                        "the passes stored before are kept",
                        code="storage_error",
                        retryable=True,
                    ),
                )
            except Exception as exc:
                # The error boundary: this job fails, the service and its other jobs go on.
                log.exception("job %s crashed", self.job_id)
                await self._finish(
                    JobStatus.FAILED,
                    JobFailed(
                        f"internal error: {type(exc).__name__}", code="internal", retryable=True
                    ),
                )
        if scope.cancelled_caught and not self.status.finished:
            await self._finish_stopped()

    async def _finish_stopped(self) -> None:
        stop = self._stop or _Stop(JobStatus.INTERRUPTED, "stopped")
        if stop.status is JobStatus.CANCELLED:
            await self._finish(JobStatus.CANCELLED, JobCancelled(stop.reason))
        else:
            await self._finish(
                JobStatus.INTERRUPTED, JobFailed(stop.reason, code="interrupted", retryable=True)
            )

    async def _work(self) -> None:
        """Run every pass of every document; time spent in line is not counted."""
        self._work_started = started = time.monotonic()
        job = self.job
        wanted = job.options.get("wait_subscribers")
        if wanted:
            with anyio.move_on_after(float(job.options.get("wait_timeout", 10.0))):
                await self.broadcast.wait_subscribers(int(wanted))
        documents = await self._store.documents(self.job_id)
        await self._reserve_seqs()
        await self._transition(
            JobStatus.RUNNING,
            JobStarted(
                files=[JobFile(d.id, d.name, d.format) for d in documents],
                passes=job.passes,
                strategies=list(job.strategies),
                engine=job.engine,
            ),
        )
        outputs = [await self._refine_document(doc) for doc in documents]
        # A cancel taken while the last output was written (past the render's last
        # checkpoint) ends the job cancelled, as its answer said; from ``_finish`` on,
        # the job is succeeding and a cancel is refused (``_request_stop``).
        await anyio.lowlevel.checkpoint_if_cancelled()
        await self._finish(
            JobStatus.SUCCEEDED,
            JobDone(outputs, duration_ms=round((time.monotonic() - started) * 1000, 1)),
            outputs=[o.as_dict() for o in outputs],
        )

    async def _refine_document(self, doc: DocumentRecord) -> JobOutput:
        """Run the document's remaining passes, from its last stored one.

        With ``stop_when_unchanged`` (the default) a document is settled, and
        its loop ends early, once every strategy left in its plan has already
        run on its current text without changing it.
        """
        job = self.job
        versions = await self._store.versions(doc.id)
        latest = await self._store.latest_version(doc.id)
        assert latest is not None, "pass 0 is stored with the job"
        assert latest.text is not None
        text = latest.text
        stop_early = bool(job.options.get("stop_when_unchanged", True))
        # Strategies that ran on the current text and left it as it was.
        idle: set[str] = set()
        for version in versions[1:]:
            idle = set() if version.changed else idle | {version.strategy or ""}
        options = PassOptions(
            disabled_rules=frozenset(job.options.get("disabled_rules", ())),
            dictionary=frozenset(job.options.get("dictionary", ())),
            model=job.model,
            temperature=job.options.get("temperature"),
            probe_events=int(job.options.get("probe_events", 0)),
            probe_rate=float(job.options.get("probe_rate", 0.0)),
            automatic=bool(job.options.get("automatic_plan", False)),
        )
        for number in range(latest.pass_number + 1, job.passes + 1):
            if stop_early and set(job.strategies[number - 1 :]) <= idle:
                break
            strategy = job.strategies[number - 1]
            text, changed = await self._run_pass(doc, number, strategy, text, options)
            idle = idle | {strategy} if not changed else set()
        fmt = job.output_format or doc.format
        return await self._write_output(doc, text, fmt)

    async def _run_pass(
        self, doc: DocumentRecord, number: int, strategy: str, text: str, options: PassOptions
    ) -> tuple[str, bool]:
        started = await self._emit(PassStarted(doc.id, number, strategy))
        options = dataclasses.replace(options, started_at=started.ts)
        began = time.monotonic()

        def progress(done: int, total: int, delta: TextDelta | None) -> None:
            if delta is None:
                event = PassProgressed(doc.id, number, done, total)
            else:
                restart = True if delta.restart else None
                event = PassProgressed(
                    doc.id, number, done, total, delta.text, delta.chunk, restart
                )
            self._publish_transient(event)

        outcome = await self._engine.run_pass(text, strategy, options, progress)
        if doc.format == "docx" and outcome.text.count(SEPARATOR) != text.count(SEPARATOR):
            # A .docx gets its text back paragraph by paragraph, so none may merge.
            raise EngineError(
                f"pass {number} changed the paragraphs of {doc.name!r}; its .docx cannot be kept",
                code="structure_changed",
            )
        changed = outcome.text != text
        metrics, edits = await anyio.to_thread.run_sync(_pass_record, text, outcome)
        metrics.update(outcome.extra_metrics)
        metrics["edits"] = len(outcome.edits)
        seconds = time.monotonic() - began
        metrics["duration_ms"] = round(seconds * 1000, 1)
        self._observer.pass_completed(strategy, self._engine.name, seconds)
        version = NewVersion(
            document_id=doc.id,
            pass_number=number,
            strategy=strategy,
            engine=self._engine.name,
            changed=changed,
            text=outcome.text,
            metrics=metrics,
            edits=edits,
            created_at=time.time(),
            model=outcome.model or self.job.model,
        )
        completed = PassCompleted(
            doc.id, number, strategy, changed, version=number, metrics=cast(PassMetrics, metrics)
        )
        with anyio.CancelScope(shield=True):
            event = self._next_event(completed)
            await self._store.record_version(version, event.stored())
            self._publish(event)
        return outcome.text, changed

    async def _write_output(self, doc: DocumentRecord, text: str, fmt: str) -> JobOutput:
        """Render and write the document's output, in a render slot; a cancel stops the render.

        A ``.docx`` is marked with what it was rendered from (``render_cache``),
        so that downloading it again serves this file.
        """
        source, original = await self._store.docx_origin(doc) if fmt == "docx" else (None, None)
        template = self.job.options.get("template")
        path = output_path(self._output_dir, self.job_id, doc.id, fmt)

        def render_and_write(checkpoint: Callable[[], None]) -> Rendered:
            template_bytes = (
                read_template(self._templates_dir, template) if template and fmt == "docx" else None
            )
            rendered = render_marked(
                fmt,
                doc.format,
                text,
                source=source,
                template=template_bytes,
                original=original,
                checkpoint=checkpoint,
            )
            write_atomically(path, rendered.data)
            return rendered

        try:
            rendered = await run_render(render_and_write)
        except TooLargeToRender as exc:
            raise EngineError(str(exc), code="too_large_to_render") from None
        except (CannotRender, UnknownTemplate) as exc:
            raise EngineError(str(exc), code="output_failed") from None
        except OSError as exc:
            raise EngineError(
                f"the output could not be written ({exc.strerror or exc})",
                code="output_failed",
                retryable=True,
            ) from None
        return JobOutput(
            doc.id, doc.name, fmt, len(rendered.data), list(rendered.style_fallbacks) or None
        )

    # events and state

    def _next_event(self, event: JobEvent) -> Envelope:
        return self._envelope(self._seq + 1, event)

    def _envelope(self, seq: int, event: AnyEvent) -> Envelope:
        ts = time.time()
        return Envelope(self.job_id, seq, ts, event, self._encode(self.job_id, seq, ts, event))

    def _publish(self, event: Envelope) -> None:
        self._seq = event.seq
        self.broadcast.publish(event)

    def _publish_transient(self, event: PassProgressed) -> None:
        """Publish an event that is not logged, within the seqs reserved in the store.

        A subscriber may have seen a transient event's seq; were the process to
        die, the job's next event must come after it, so transient events only
        use seqs the store knows are taken. Past the reservation (a burst
        faster than one write) they are dropped, as transient events may be.
        """
        if self._reserved - self._seq < SEQ_BLOCK // 2:
            self._reservation_wanted.set()
        if self._seq >= self._reserved:
            self.dropped_transient += 1
            return
        self._publish(self._next_event(event))

    async def _reserve_seqs(self) -> None:
        upto = self._seq + SEQ_BLOCK
        await self._store.reserve_seqs(self.job_id, upto)
        self._reserved = max(self._reserved, upto)

    async def _keep_seqs_reserved(self) -> None:
        """Reserve the next block of seqs whenever transient events near the end of one.

        A write that fails is logged and tried again after a pause; meanwhile
        transient events past the reservation are dropped. The job goes on: if
        the database keeps failing, its next durable write fails it.
        """
        while True:
            await self._reservation_wanted.wait()
            self._reservation_wanted = anyio.Event()
            try:
                await self._reserve_seqs()
            except sqlite3.Error as exc:
                log.warning("job %s could not reserve seqs: %s", self.job_id, exc)
                await anyio.sleep(_RESERVE_RETRY_SECONDS)

    async def _emit(self, event: JobEvent) -> Envelope:
        """Log a durable event, then publish it; never half-done by a cancellation."""
        with anyio.CancelScope(shield=True):
            envelope = self._next_event(event)
            await self._store.record_event(self.job_id, *envelope.stored())
            self._publish(envelope)
        return envelope

    async def _transition(self, status: JobStatus, event: JobEvent, **fields: Any) -> None:
        with anyio.CancelScope(shield=True):
            envelope = self._next_event(event)
            await self._store.record_transition(
                self.job_id, status, time.time(), envelope.stored(), **fields
            )
            self.status = status
            self._publish(envelope)

    async def _finish(
        self, status: JobStatus, event: JobDone | JobFailed | JobCancelled, **fields: Any
    ) -> None:
        """Record and publish the terminal event and ``stream_end``.

        Both are published even when storing them fails or takes too long, so
        that every live stream ends; the log then lacks them, and the job is
        found unfinished and ended again at the next start.
        """
        self._ending = status
        if isinstance(event, JobFailed):
            fields["error"] = event
        seconds = None
        if self._work_started is not None:
            seconds = time.monotonic() - self._work_started
            fields["duration_ms"] = round(seconds * 1000, 1)
        self._observer.job_finished(status.value, self._engine.name, seconds)
        terminal = self._next_event(event)
        end = self._envelope(terminal.seq + 1, StreamEnded())
        with anyio.move_on_after(FINAL_WRITE_SECONDS, shield=True):
            try:
                await self._store.record_transition(
                    self.job_id,
                    status,
                    time.time(),
                    terminal.stored(),
                    reason=_reason(event),
                    **fields,
                )
                await self._store.record_event(self.job_id, *end.stored())
            except Exception:
                log.exception("job %s: could not store its end", self.job_id)
        self.status = status
        self._publish(terminal)
        self._publish(end)


def _reason(event: JobDone | JobFailed | JobCancelled) -> str | None:
    match event:
        case JobCancelled():
            return event.reason or None
        case JobFailed():
            return event.message or None
        case JobDone():
            return None
        case _:
            assert_never(event)


def _pass_record(before: str, outcome: PassOutcome) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A pass's metrics and its edits as stored: CPU work for a worker thread."""
    return _pass_metrics(before, outcome.text), [edit.to_dict() for edit in outcome.edits]


def _pass_metrics(before: str, after: str) -> dict[str, Any]:
    metrics: dict[str, Any] = dict(text_metrics(after).to_dict())
    metrics["changed_ratio"] = changed_ratio(before, after)
    return metrics
