"""``refiner``'s subcommands: serve, refine, jobs, status, diff, templates.

Every command prints one line ``refiner: error: <reason>`` on failure and
exits non-zero: 1 when the server refused or the job failed, 2 for bad
arguments or unreadable files, 3 when no server answers, 130 after Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli import diffview
from cli.client import EXIT_INTERRUPTED, ApiError, BadInput, Client, CliError, default_url
from cli.progress import metrics_table
from cli.refine import Options, refine

Command = Callable[[Client, argparse.Namespace, Console, Console], Awaitable[int]]


def _connection_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """``--url`` and ``--api-key``, before the subcommand (as with git) or after it.

    The subcommand's copies default to nothing, so that they do not overwrite
    what was given before the subcommand.
    """
    url_default = default_url()
    key_default = os.environ.get("BACKEND_API_KEY")
    parser.add_argument(
        "--url",
        default=url_default if defaults else argparse.SUPPRESS,
        help=f"the server (default: {url_default}, or REFINER_URL)",
    )
    parser.add_argument(
        "--api-key",
        default=key_default if defaults else argparse.SUPPRESS,
        help="the server's API key (default: BACKEND_API_KEY)",
    )


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _connection_options(common, defaults=False)
    top = argparse.ArgumentParser(
        prog="refiner", description="Refine documents in several passes on a Refiner server."
    )
    top.add_argument("--version", action="version", version=f"refiner {_version()}")
    _connection_options(top, defaults=True)
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the server (like `make run`)")
    serve.add_argument("--host", help="listen address (default: REFINER_HOST or 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port (default: REFINER_PORT or 8000)")

    run = sub.add_parser("refine", parents=[common], help="refine documents, live")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".txt, .md or .docx")
    run.add_argument("--passes", type=int, help="passes per document, 1 to 10 (default: 3)")
    run.add_argument(
        "--strategy",
        action="append",
        default=[],
        metavar="S",
        help="a strategy per pass, in order (repeat, or comma-separate); 'auto' ranks by feedback",
    )
    run.add_argument("--engine", help="local, openai, probe (default: the server's)")
    run.add_argument("--template", help="a .docx style template (see `refiner templates`)")
    run.add_argument("--format", choices=("txt", "md", "docx"), help="output format")
    run.add_argument(
        "-o", "--out", type=Path, help="output folder, or file for one document (default: .)"
    )
    run.add_argument(
        "--all-passes",
        action="store_true",
        help="run every pass even after one changed nothing",
    )
    run.add_argument("--events", type=int, help="probe engine: progress events per pass")
    run.add_argument("--rate", type=float, help="probe engine: events per second")

    jobs = sub.add_parser("jobs", parents=[common], help="list recent jobs")
    jobs.add_argument("--status", help="only jobs with this status")
    jobs.add_argument("--limit", type=int, default=20)

    status = sub.add_parser("status", parents=[common], help="a job's status and metrics")
    status.add_argument("job_id", metavar="JOB")

    diff = sub.add_parser("diff", parents=[common], help="word diff of two passes of a document")
    diff.add_argument(
        "target", metavar="FILE_ID|JOB", help="a document's file_id, or a job's id (see status)"
    )
    diff.add_argument(
        "document",
        nargs="?",
        metavar="NAME",
        help="with a job's id: the document's name (needed when the job has several)",
    )
    diff.add_argument("--from", dest="from_pass", type=int, default=0, metavar="A")
    diff.add_argument("--to", dest="to_pass", type=int, metavar="B", help="default: the last")

    sub.add_parser("templates", parents=[common], help="the server's .docx style templates")
    return top


async def _refine(client: Client, args: argparse.Namespace, out: Console, err: Console) -> int:
    strategies = [s.strip() for item in args.strategy for s in item.split(",") if s.strip()]
    opts = Options(
        paths=args.paths,
        passes=args.passes,
        strategies=strategies,
        engine=args.engine,
        template=args.template,
        output_format=args.format,
        out=args.out,
        stop_early=not args.all_passes,
        probe_events=args.events,
        probe_rate=args.rate,
    )
    return await refine(client, opts, out)


async def _jobs(client: Client, args: argparse.Namespace, out: Console, err: Console) -> int:
    page = await client.get_json("/jobs", status=args.status, limit=args.limit)
    table = Table("Job", "Name", "Status", "Engine", "Passes", "Created")
    for job in page["jobs"]:
        table.add_row(
            job["job_id"],
            Text(job.get("name") or ""),  # text from the server: never markup
            job["status"],
            job.get("engine") or "",
            str(job.get("passes")),
            _when(job.get("created_at")),
        )
    out.print(table)
    return 0


async def _status(client: Client, args: argparse.Namespace, out: Console, err: Console) -> int:
    job = await client.get_json(f"/jobs/{args.job_id}")
    out.print(metrics_table(job))
    for f in job.get("files", []):
        out.print(f"{f['name']}: file_id {f['file_id']}", markup=False, highlight=False)
    if job.get("error"):
        out.print(f"error: {job['error']}", markup=False, highlight=False)
    for output in job.get("outputs", []):
        out.print(f"output: {output['url']}", markup=False, highlight=False)
    return 0


async def _diff(client: Client, args: argparse.Namespace, out: Console, err: Console) -> int:
    file_id = await _document_file_id(client, args.target, args.document)
    diff = await client.get_json(
        "/refine/diff",
        fileId=file_id,
        fromPass=args.from_pass,
        toPass=args.to_pass,
        format="json",
    )
    diffview.render(diff, out)
    return 0


async def _document_file_id(client: Client, target: str, document: str | None) -> str:
    """``target`` itself when it is a file id; else the job's document named ``document``."""
    if not target.startswith("job_"):
        if document is not None:
            raise BadInput("a document name goes with a job's id, not with a file_id")
        return target
    job = await client.get_json(f"/jobs/{target}")
    files: list[dict[str, Any]] = job.get("files", [])
    if document is None:
        if len(files) == 1:
            return str(files[0]["file_id"])
        names = ", ".join(str(f["name"]) for f in files) or "none"
        raise BadInput(f"job {target} has {len(files)} documents ({names}): name one")
    for f in files:
        if f["name"] == document or Path(str(f["name"])).name == document:
            return str(f["file_id"])
    names = ", ".join(str(f["name"]) for f in files) or "none"
    raise BadInput(f"job {target} has no document named {document!r}; it has: {names}")


async def _templates(client: Client, args: argparse.Namespace, out: Console, err: Console) -> int:
    try:
        listed = await client.get_json("/style/templates")
    except ApiError as exc:
        if exc.status == 404:
            raise CliError("this server offers no .docx style templates") from None
        raise
    templates: list[dict[str, Any]] = (
        listed.get("templates", listed) if isinstance(listed, dict) else listed
    )
    table = Table("Name", "Title", "Styles", "Description")
    for t in templates:
        styles = t.get("styles")
        table.add_row(
            Text(t["name"]),
            Text(t.get("title") or ""),
            Text(str(len(styles)) if isinstance(styles, list) else t.get("error", "")),
            Text(t.get("description") or ""),
        )
    out.print(table)
    return 0


COMMANDS: dict[str, Command] = {
    "refine": _refine,
    "jobs": _jobs,
    "status": _status,
    "diff": _diff,
    "templates": _templates,
}


def _version() -> str:
    try:
        return metadata.version("refiner")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _when(seconds: float | None) -> str:
    if not seconds:
        return ""
    from datetime import datetime

    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def _log_width() -> int:
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else 120


def _serve(args: argparse.Namespace) -> int:
    from service.__main__ import main as serve

    serve(host=args.host, port=args.port)
    return 0


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if not sys.stdout.isatty():
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # Without a terminal rich assumes 80 columns: too narrow for the metrics table.
    out = Console() if sys.stdout.isatty() else Console(width=_log_width())
    err = Console(stderr=True)

    async def main() -> int:
        async with Client(args.url, args.api_key) as client:
            return await COMMANDS[args.command](client, args, out, err)

    try:
        return anyio.run(main)
    except CliError as exc:
        err.print(f"refiner: error: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("refiner: interrupted", markup=False, highlight=False)
        return EXIT_INTERRUPTED
