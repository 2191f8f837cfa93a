"""What ``refiner refine`` shows while a job runs, and the metrics table after it.

On a terminal: a live ``rich`` progress bar per document and pass. Without
one (a pipe, a log file, CI): no bars, one plain line per event, with
``pass_progress`` thinned to every tenth of a pass so that logs stay short.
"""

from __future__ import annotations

from typing import Any, Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

Envelope = dict[str, Any]


class Display(Protocol):
    def start(self) -> None: ...
    def event(self, envelope: Envelope) -> None: ...
    def stop(self) -> None: ...


def make_display(console: Console) -> Display:
    return Bars(console) if console.is_terminal else Lines(console)


class _Names:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def learn(self, envelope: Envelope) -> None:
        if envelope["type"] == "job_started":
            for f in envelope["data"].get("files", []):
                self.names[f["file_id"]] = f["name"]

    def __call__(self, file_id: str) -> str:
        return self.names.get(file_id, file_id)


class Bars:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[tuple[str, int], TaskID] = {}
        self.names = _Names()

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def event(self, envelope: Envelope) -> None:
        self.names.learn(envelope)
        kind, d = envelope["type"], envelope.get("data", {})
        if kind == "job_queued" and d.get("position"):
            self.progress.console.print(f"queued: position {d['position']}")
        elif kind == "job_started":
            self.progress.console.print(
                f"job {envelope['job_id']}: {len(d.get('files', []))} document(s), "
                f"{d.get('passes')} pass(es), engine {d.get('engine')}"
            )
        elif kind == "pass_started":
            name, strategy = escape(self.names(d["file_id"])), escape(d.get("strategy", ""))
            label = f"{name} · pass {d['pass']} {strategy}"
            self.tasks[(d["file_id"], d["pass"])] = self.progress.add_task(label, total=None)
        elif kind == "pass_progress":
            task = self.tasks.get((d["file_id"], d["pass"]))
            if task is not None:
                self.progress.update(task, total=d["total"], completed=d["done"])
        elif kind == "pass_complete":
            task = self.tasks.get((d["file_id"], d["pass"]))
            if task is not None:
                total = self.progress.tasks[task].total or 1
                self.progress.update(task, total=total, completed=total)
        elif kind in ("error", "cancelled"):
            said = escape(str(d.get("message") or d.get("reason")))
            self.progress.console.print(f"[red]{kind}[/]: {said}")


class Lines:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.names = _Names()
        self.shown: dict[tuple[str, int], int] = {}

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def event(self, envelope: Envelope) -> None:
        self.names.learn(envelope)
        line = self.line(envelope)
        if line is not None:
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def line(self, envelope: Envelope) -> str | None:
        kind, d = envelope["type"], envelope.get("data", {})
        head = f"{envelope['job_id']} #{envelope['seq']} {kind}"
        match kind:
            case "job_queued":
                return f"{head} position={d.get('position')}"
            case "job_started":
                names = ",".join(f["name"] for f in d.get("files", []))
                strategies = ",".join(d.get("strategies", []))
                return (
                    f"{head} files={names} passes={d.get('passes')} "
                    f"strategies={strategies} engine={d.get('engine')}"
                )
            case "pass_started":
                return f"{head} {self.names(d['file_id'])} pass={d['pass']} {d.get('strategy')}"
            case "pass_progress":
                key = (d["file_id"], d["pass"])
                tenth = d["done"] * 10 // max(d["total"], 1)
                if tenth <= self.shown.get(key, -1) or (tenth == 0 and key in self.shown):
                    return None
                self.shown[key] = tenth
                return (
                    f"{head} {self.names(d['file_id'])} pass={d['pass']} {d['done']}/{d['total']}"
                )
            case "pass_complete":
                m = d.get("metrics", {})
                return (
                    f"{head} {self.names(d['file_id'])} pass={d['pass']} {d.get('strategy')} "
                    f"words={m.get('words')} readability={m.get('flesch_reading_ease')} "
                    f"changed={m.get('changed_ratio')}"
                )
            case "done":
                return f"{head} duration_ms={d.get('duration_ms')}"
            case "error":
                return f"{head} code={d.get('code')} {d.get('message')}"
            case "cancelled":
                return f"{head} {d.get('reason')}"
            case _:
                return head


def metrics_table(job: dict[str, Any]) -> Table:
    """Every pass of every document of ``GET /jobs/{id}``, with its metrics."""
    table = Table(title=f"{job['job_id']} · {job['status']}", title_justify="left")
    table.add_column("Document")
    table.add_column("Pass", justify="right")
    table.add_column("Strategy")
    for label in ("Words", "Readability", "Grade", "Changed", "Edits", "ms"):
        table.add_column(label, justify="right")
    for f in job.get("files", []):
        for v in f.get("passes", []):
            m = v.get("metrics") or {}
            changed = m.get("changed_ratio")
            table.add_row(
                Text(f["name"]),  # text from the server: never markup
                str(v["pass"]),
                Text(v.get("strategy") or "original"),
                _num(m.get("words"), 0),
                _num(m.get("flesch_reading_ease")),
                _num(m.get("grade_level")),
                f"{changed * 100:.1f}%" if isinstance(changed, int | float) else "",
                _num(m.get("edits"), 0),
                _num(m.get("duration_ms"), 0),
            )
    return table


def _num(value: Any, digits: int = 1) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:,.{digits}f}"
