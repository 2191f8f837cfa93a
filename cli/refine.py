"""``refiner refine``: upload documents, run one job over ``/ws``, follow it, write outputs.

Ctrl-C (SIGINT) cancels the job on the server before the command exits
(130). A dropped socket is reopened and the job followed on from the last
seq seen, so no event is shown twice.
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from cli.client import ApiError, BadInput, Client, CliError, Unreachable, send_op
from cli.progress import Display, make_display, metrics_table

RECONNECTS = 5
TERMINAL = ("done", "error", "cancelled")
CANCEL_SECONDS = 10.0


class Interrupted(CliError):
    exit_code = 130


@dataclass
class Options:
    paths: list[Path]
    passes: int | None
    strategies: list[str]
    engine: str | None
    template: str | None
    output_format: str | None
    out: Path | None
    stop_early: bool
    probe_events: int | None
    probe_rate: float | None


@dataclass
class Followed:
    job_id: str = ""
    cursor: int = 0
    terminal: dict[str, Any] | None = None
    ended: bool = False
    cancel_note: str = ""
    run_sent: bool = False  # the job may exist before its ack names it
    acked: anyio.Event = field(default_factory=anyio.Event)


def check_paths(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise BadInput(f"{path}: no such file")
        if not path.is_file():
            raise BadInput(f"{path}: not a file")


def check_output(out: Path | None) -> None:
    """Refuse an output that cannot be written now, before a job runs, not after it ends."""
    if out is None:
        return
    folder = (out if out.is_dir() or not out.suffix else out.parent).absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise BadInput(f"{out}: cannot be written: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadInput(f"{out}: cannot be written: {existing} is not writable")
    if out.is_file() and not os.access(out, os.W_OK):
        raise BadInput(f"{out}: cannot be written: the file is read-only")


def job_request(opts: Options, file_ids: list[str]) -> dict[str, Any]:
    request: dict[str, Any] = {"file_ids": file_ids}
    if opts.passes is not None:
        request["passes"] = opts.passes
    if opts.strategies:
        request["strategies"] = "auto" if opts.strategies == ["auto"] else opts.strategies
    for key, value in (
        ("engine", opts.engine),
        ("template", opts.template),
        ("output_format", opts.output_format),
        ("events", opts.probe_events),
        ("rate", opts.probe_rate),
    ):
        if value is not None:
            request[key] = value
    if not opts.stop_early:
        request["stop_when_unchanged"] = False
    if len(opts.paths) == 1:
        request["name"] = opts.paths[0].name
    return request


async def refine(client: Client, opts: Options, console: Console) -> int:
    check_paths(opts.paths)
    check_output(opts.out)
    uploads = [await client.upload(path) for path in opts.paths]
    request = job_request(opts, [u["file_id"] for u in uploads])
    state = Followed()
    display = make_display(console)
    display.start()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_cancel_on_sigint, client, state, tg.cancel_scope)
            await _run_and_follow(client, request, state, display)
            tg.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        # The task group wraps what the follower raised: hand on its one reason.
        reason = _first(group, CliError)
        if reason is None:
            raise
        raise reason from None
    finally:
        display.stop()
    if state.terminal is None:
        raise Interrupted(f"interrupted: {state.cancel_note or 'no job was started'}")
    kind, data = state.terminal["type"], state.terminal.get("data", {})
    try:
        console.print(metrics_table(await client.get_json(f"/jobs/{state.job_id}")))
    except Unreachable:
        if kind == "done":
            raise
        # The server went away after the job's end (it shut down): the end still says why.
    if kind == "error":
        raise CliError(f"job {state.job_id} failed: {data.get('message')} ({data.get('code')})")
    if kind == "cancelled":
        raise CliError(f"job {state.job_id} was cancelled: {data.get('reason')}")
    for line in await _write_outputs(client, state.job_id, data.get("outputs", []), opts):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    return 0


async def _cancel_on_sigint(client: Client, state: Followed, scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGINT) as signals:
        async for _ in signals:
            break
    if state.run_sent and not state.job_id:
        # The job may already run: wait for its id (the follower still reads) to cancel it.
        with anyio.move_on_after(CANCEL_SECONDS):
            await state.acked.wait()
    scope.cancel()
    if not state.job_id or state.terminal is not None:
        return
    state.cancel_note = "the server did not answer the cancel in time"
    with anyio.move_on_after(CANCEL_SECONDS, shield=True):
        try:
            answer = await client.post_json(f"/jobs/{state.job_id}/cancel")
            state.cancel_note = f"job {state.job_id} cancelled on the server ({answer['status']})"
        except CliError as exc:
            state.cancel_note = f"could not cancel job {state.job_id}: {exc.message}"


async def _run_and_follow(
    client: Client, request: dict[str, Any], state: Followed, display: Display
) -> None:
    for attempt in range(RECONNECTS + 1):
        try:
            async with client.session() as ws:
                if not state.job_id:
                    state.run_sent = True
                    await send_op(ws, {"op": "run", "ref": "run", "request": request})
                else:
                    await send_op(
                        ws,
                        {
                            "op": "subscribe",
                            "ref": "sub",
                            "job_id": state.job_id,
                            "after": state.cursor,
                        },
                    )
                await _follow(ws, state, display)
            if state.ended:
                return
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 401:
                raise client.key_refused() from None
            raise ApiError(status, f"the server refused the WebSocket (HTTP {status})") from None
        except (OSError, TimeoutError) as exc:
            if not state.job_id:
                raise Unreachable(f"cannot open the WebSocket at {client.url}: {exc}") from None
        except (ConnectionClosed, WebSocketException):
            pass
        if attempt == RECONNECTS:
            raise Unreachable(f"lost the connection to {client.url} while following the job")
        await anyio.sleep(min(0.25 * 2**attempt, 4.0))


async def _follow(ws: ClientConnection, state: Followed, display: Display) -> None:
    async for frame in ws:
        message = json.loads(frame)
        if isinstance(message, dict) and "op" in message:
            _reply(message, state)
            continue
        for envelope in message if isinstance(message, list) else [message]:
            if envelope.get("job_id") != state.job_id:
                continue
            if envelope["type"] == "lagged":
                state.cursor = envelope["seq"]
                await send_op(
                    ws, {"op": "subscribe", "job_id": state.job_id, "after": state.cursor}
                )
                continue
            if envelope["seq"] <= state.cursor:
                continue  # already shown before a reconnect
            state.cursor = envelope["seq"]
            display.event(envelope)
            if envelope["type"] in TERMINAL:
                state.terminal = envelope
            if envelope["type"] == "stream_end" and state.terminal is not None:
                state.ended = True
                return


def _reply(message: dict[str, Any], state: Followed) -> None:
    if message["op"] == "ack" and message.get("ref") == "run":
        state.job_id = message["job_id"]
        state.acked.set()
    elif message["op"] == "error":
        raise ApiError(400, str(message.get("detail")), message.get("code"))


async def _write_outputs(
    client: Client, job_id: str, outputs: list[dict[str, Any]], opts: Options
) -> list[str]:
    single_file = (
        opts.out is not None and len(outputs) == 1 and not opts.out.is_dir() and opts.out.suffix
    )
    folder = opts.out if opts.out is not None and not single_file else Path.cwd()
    written: list[str] = []
    taken: set[Path] = set()
    for output in outputs:
        name, data = await client.output(job_id, output["file_id"], opts.output_format)
        target = opts.out if single_file and opts.out is not None else _unused(folder, name, taken)
        taken.add(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            await anyio.Path(target).write_bytes(data)
        except OSError as exc:
            raise BadInput(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(f"wrote {target} ({len(data):,} bytes)")
    return written


def _unused(folder: Path, name: str, taken: set[Path]) -> Path:
    """``folder / name``, or ``stem-2.rest`` and on when two documents have one name."""
    target = folder / name
    stem, dot, rest = name.partition(".")
    number = 2
    while target in taken:
        target = folder / f"{stem}-{number}{dot}{rest}"
        number += 1
    return target


def _first(group: BaseExceptionGroup[BaseException], kind: type[CliError]) -> CliError | None:
    for exc in group.exceptions:
        if isinstance(exc, kind):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first(exc, kind)
            if found is not None:
                return found
    return None
