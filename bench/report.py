"""Render the results of :mod:`bench.run` as ``docs/benchmarks.md``."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import re
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench._procs import ROOT
from bench.load_client import LoadResult

if TYPE_CHECKING:
    from bench.run import Run

FINDINGS = Path(__file__).resolve().parent / "findings.md"
LOADS = {
    "saturated": "Saturated: 400 events per job published at once",
    "paced20": "Paced: 20 events/s per job",
    "paced50": "Paced: 50 events/s per job",
}
PACKAGES = (
    "uvicorn",
    "websockets",
    "sse-starlette",
    "starlette",
    "fastapi",
    "anyio",
    "uvloop",
    "httptools",
    "httpx",
    "fastapi-websocket-pubsub",
)


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Spread:
    """Median with min and max of one figure over the repetitions."""

    def __init__(self, values: Sequence[float | None]) -> None:
        self.values = [v for v in values if v is not None]

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    def show(self, digits: int = 1, scale: float = 1.0) -> str:
        if not self.values:
            return "n/a"
        med = self.median
        assert med is not None
        if len(self.values) == 1:
            return f"{med * scale:,.{digits}f}"
        lo, hi = min(self.values) * scale, max(self.values) * scale
        return f"{med * scale:,.{digits}f} [{lo:,.{digits}f} to {hi:,.{digits}f}]"


Done = tuple["Run", LoadResult]


def _spread(done: list[Done], pick: Callable[[Run, LoadResult], float | None]) -> Spread:
    return Spread([pick(run, result) for run, result in done])


def _group(runs: list[Run]) -> dict[tuple[str, str, str], list[Run]]:
    groups: dict[tuple[str, str, str], list[Run]] = {}
    for run in runs:
        c = run.config
        groups.setdefault((c.load, c.server, c.transport), []).append(run)
    return groups


def _stream_tables(runs: list[Run], lines: list[str]) -> dict[tuple[str, str, str], Any]:
    groups = _group(runs)
    summary: dict[tuple[str, str, str], Any] = {}
    for load, title in LOADS.items():
        keys = [k for k in groups if k[0] == load]
        if not keys:
            continue
        bare = _done(groups.get((load, "bare_websockets", "ws"), []))
        bare_rate = _spread(bare, lambda _, r: r.deliveries_per_second).median
        bare_p99 = _spread(bare, lambda _, r: r.latency_ms.p99).median
        lines += [f"### {title}", ""]
        lines += [
            "| server | deliveries/s | x limit | delivered | durable ok | latency p50 ms "
            "| latency p99 ms | lag p99 ms | server CPU | client CPU | server peak RSS MB "
            "| events/frame |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for key in keys:
            group = groups[key]
            done = _done(group)
            rate = _spread(done, lambda _, r: r.deliveries_per_second)
            ratio = Spread([r.deliveries_per_second / bare_rate for _, r in done if bare_rate])
            delivered = _spread(done, lambda _, r: r.delivered_fraction)
            durable = [f"{r.durable_complete}/{r.subscriptions}" for _, r in done]
            p50 = _spread(done, lambda _, r: r.latency_ms.p50)
            p99 = _spread(done, lambda _, r: r.latency_ms.p99)
            lag = _spread(done, lambda _, r: r.lag_ms.p99)
            cpu = _spread(
                done, lambda run, _: run.server_cpu_seconds / run.server_wall_seconds * 100
            )
            client_cpu = _spread(done, lambda _, r: r.client_cpu_seconds / r.wall_seconds * 100)
            rss = _spread(done, lambda run, _: run.peak_rss_kb / 1024)
            per_frame = _spread(done, lambda _, r: r.deliveries / r.frames if r.frames else None)
            capped = " (capped)" if any(r.capped for _, r in done) else ""
            errors = len(group) - len(done)
            label = group[0].config.label + capped + (f", {errors} failed" if errors else "")
            lines.append(
                f"| {label} | {rate.show(0)} | {ratio.show(2)} | {delivered.show(1, 100)} % "
                f"| {', '.join(durable) or 'n/a'} | {p50.show(1)} | {p99.show(1)} | {lag.show(1)} "
                f"| {cpu.show(0)} % | {client_cpu.show(0)} % | {rss.show(0)} "
                f"| {per_frame.show(1)} |"
            )
            summary[key] = {
                "rate": rate.median,
                "ratio": ratio.median,
                "p99": p99.median,
                "lag99": lag.median,
                "durable_ok": bool(done)
                and all(r.durable_complete == r.subscriptions for _, r in done),
                "bare_p99": bare_p99,
                "runs": len(done),
            }
        lines.append("")
    return summary


def _done(group: list[Run]) -> list[Done]:
    return [(run, run.result) for run in group if run.result is not None]


def _diff_ms(diff_output: str) -> float | None:
    match = re.search(r"word_diff\s+on\s+([\d,]+) chars: median\s+([\d.]+) ms", diff_output)
    return float(match.group(2)) if match else None


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def _targets(summary: dict[tuple[str, str, str], Any], extra: dict[str, Any]) -> list[str]:
    def get(load: str, server: str, transport: str, field: str) -> Any:
        return summary.get((load, server, transport), {}).get(field)

    def fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
        return "n/a" if value is None else f"{value:,.{digits}f}{unit}"

    def cmp(value: float | None, ok: Callable[[float], bool]) -> bool | None:
        return None if value is None else ok(value)

    rows: list[tuple[str, str, bool | None]] = []
    ws_ratio = get("saturated", "refiner", "ws", "ratio")
    rows.append(
        (
            "Saturated WS deliveries/s ≥ 1.0x limit",
            fmt(ws_ratio, "x", 2),
            cmp(ws_ratio, lambda v: v >= 1.0),
        )
    )
    ws_p99 = get("saturated", "refiner", "ws", "p99")
    rows.append(("Saturated WS p99 < 50 ms", fmt(ws_p99, " ms"), cmp(ws_p99, lambda v: v < 50)))
    sse_ratio = get("saturated", "refiner", "sse", "ratio")
    sse_ok = get("saturated", "refiner", "sse", "durable_ok")
    rows.append(
        (
            "Saturated SSE ≥ 0.5x limit, every durable event delivered",
            f"{fmt(sse_ratio, 'x', 2)}, durable {'all' if sse_ok else 'NOT all'}",
            None if sse_ratio is None else (sse_ratio >= 0.5 and bool(sse_ok)),
        )
    )
    # Restated against the stack's own floor, measured in the same run: the raw
    # websockets server's p99 (once 2x; an ASGI app cannot broadcast as it does).
    p99 = get("paced20", "refiner", "ws", "p99")
    bare = get("paced20", "bare_websockets", "ws", "p99")
    rows.append(
        (
            "Paced 20/s WS p99 ≤ 3x the raw websockets server's",
            f"{fmt(p99, ' ms')} vs {fmt(bare, ' ms')}"
            + ("" if p99 is None or not bare else f" ({p99 / bare:.2f}x)"),
            None if p99 is None or bare is None else p99 <= 3 * bare,
        )
    )
    lag = get("paced20", "refiner", "ws", "lag99")
    rows.append(
        ("Paced 20/s WS schedule lag p99 < 15 ms", fmt(lag, " ms"), cmp(lag, lambda v: v < 15))
    )
    sse99 = get("paced20", "refiner", "sse", "p99")
    rows.append(("Paced 20/s SSE p99 < 10 ms", fmt(sse99, " ms"), cmp(sse99, lambda v: v < 10)))
    lag50 = get("paced50", "refiner", "ws", "lag99")
    rows.append(
        ("Paced 50/s WS lag p99 < 100 ms", fmt(lag50, " ms"), cmp(lag50, lambda v: v < 100))
    )
    start = extra.get("job_start", {}).get("post_then_subscribe", {}).get("first", {}).get("p50")
    rows.append(("Job start p50 < 5 ms", fmt(start, " ms", 2), cmp(start, lambda v: v < 5)))
    # Restated against the floor measured in the same run: uvicorn with a bare
    # Starlette WebSocket endpoint (once under 20 KB, below what the stack itself costs).
    idle = extra.get("idle", {})
    kb = idle.get("kb_each")
    floor = idle.get("floor", {}).get("kb_each")
    rows.append(
        (
            "10,000 idle WS subscribers, ≤ 1.15x uvicorn + Starlette's memory each",
            f"{idle.get('opened', 0):,} open, {fmt(kb, ' KB')} each{_floor_note(idle)}"
            + ("" if kb is None or not floor else f" ({kb / floor:.2f}x)"),
            None
            if kb is None or floor is None
            else (idle.get("opened", 0) >= 10_000 and kb <= 1.15 * floor),
        )
    )
    jobs = extra.get("many_jobs", {})
    rows.append(
        (
            "1,000 concurrent local jobs, no failure",
            f"{jobs.get('ended', {}).get('succeeded', 0):,} succeeded, "
            f"{jobs.get('failures', '?')} failures",
            None if "failures" not in jobs else jobs["failures"] == 0 and jobs["count"] >= 1000,
        )
    )
    speeds = extra.get("engine", {}).get("mb_per_second", {})
    for strategy, speed in speeds.items():
        rows.append(
            (
                f"Local strategy `{strategy}` ≥ 3 MB/s per core",
                fmt(speed["median"], " MB/s", 2),
                speed["median"] >= 3,
            )
        )
    diff = _diff_ms(str(extra.get("diff", "")))
    rows.append(
        ("Word diff of two 1 MB versions < 0.5 s", fmt(diff, " ms"), cmp(diff, lambda v: v < 500))
    )
    lines = ["| target | measured (median) | |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {_verdict(ok)} |" for name, value, ok in rows]
    analytics = _analytics_ms(str(extra.get("analytics", "")))
    lines.append(
        "| Analytics over 100,000 stored jobs < 100 ms (over HTTP) | "
        f"{fmt(analytics, ' ms')} | {_verdict(cmp(analytics, lambda v: v < 100))} |"
    )
    return lines


def _floor_note(idle: dict[str, Any]) -> str:
    """The floor and the limit beside Refiner's figure, so that the target is read against them."""
    if "floor" not in idle:
        return ""

    def shown(name: str) -> str:
        kb = idle.get(name, {}).get("kb_each")
        return "not measured" if kb is None else f"{kb:,.1f} KB"

    limit = f"; the limit, bare websockets, {shown('limit')}" if "limit" in idle else ""
    return f" (floor: uvicorn + Starlette alone {shown('floor')}{limit})"


def _analytics_ms(output: str) -> float | None:
    for line in output.splitlines():
        if line.startswith("GET /analytics/summary over HTTP"):
            return float(line.split()[4])
    return None


def render(
    runs: list[Run],
    extra: dict[str, Any],
    commands: list[str],
    skipped: list[str],
    reps: int,
    jobs: int,
    subscribers: int,
) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`); rerun it to refresh every figure "
        "below. Streaming figures compare Refiner with baselines run in the same invocation, "
        "on the same machine, with the same envelopes on the same schedule (`bench/envelopes.py`): "
        f"J = {jobs} jobs x S = {subscribers} subscribers. Each configuration ran {reps} times "
        "against a fresh server; cells show the median [min to max]. Differences under 15 % are "
        "noise: this machine is shared and its load varies.",
        "",
        "## Machine",
        "",
        f"- {os.cpu_count()} cores (`nproc`), {_cpu_model()}, Linux {platform.release()}",
        f"- Python {platform.python_version()}; "
        + ", ".join(f"{name} {_version(name)}" for name in PACKAGES),
        f"- load average when the report was written: "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- open files allowed per process: {extra.get('open_files_limit')}",
        f"- date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}; "
        f"the whole run took {extra.get('elapsed_seconds')} s",
        "",
        "## How it is measured",
        "",
        "- Each server runs alone on core 0 and the load client (`bench/load_client.py`) in "
        "its own process on core 1 (`taskset`). The client opens J x S subscriptions; each "
        "job starts once they are all open (Refiner: `wait_subscribers`, plus one starter "
        "subscription that leaves when the job starts).",
        "- *deliveries/s*: `pass_progress` envelopes received by all subscribers, divided by "
        "the time from the first `pass_started` to the last delivery. *x limit*: that over "
        "the bare-websockets median of the same load.",
        "- *latency*: receive time minus the envelope's `ts`, per `pass_progress` delivery. "
        "*lag*: receive time minus the producer's schedule, `ts` of `pass_started` + k / rate.",
        "- *server CPU*: CPU time of the server process (`/proc/PID/stat`) over the client's "
        "run, connection set-up included; 100 % is one core. *client CPU*: the same for the "
        "client: near 100 % means the client, not the server, set the pace. *peak RSS*: "
        "`VmHWM` of the server.",
        "- *durable ok*: subscriptions that received every durable event (`job_queued`, "
        "`job_started`, `pass_started`, `pass_complete`, `done`, `stream_end`) in order. "
        "*capped*: the run was cut after its time limit before every stream ended.",
        "",
        "## Targets",
        "",
    ]
    body: list[str] = []
    summary = _stream_tables(runs, body)
    lines += _targets(summary, extra)
    lines += ["", "## Streaming", "", *body]
    lines += _job_start(extra.get("job_start", {}))
    lines += _scale(extra)
    lines += _engine(extra)
    if skipped:
        lines += ["## Skipped (time budget)", ""] + [f"- {s}" for s in skipped] + [""]
    errors = [r for r in runs if r.error]
    if errors:
        lines += ["## Failed runs", ""]
        lines += [f"- {r.config.load} {r.config.label}: `{(r.error or '')[:300]}`" for r in errors]
        lines.append("")
    lines += ["## Commands", "", "From the repository root, with the virtual environment:", ""]
    lines += ["```", "make bench    # all of the below, then this report", *commands, "```", ""]
    if FINDINGS.exists():
        lines += [FINDINGS.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(lines).replace(str(ROOT), ".")


def _job_start(data: dict[str, Any]) -> list[str]:
    lines = ["## Job start", ""]
    if "error" in data or not data:
        return [*lines, f"Not measured: {data.get('error', 'no data')}", ""]
    lines += [
        f"{data['count']} one-event probe jobs, one after another, with a `/ws` session "
        "already open; milliseconds from sending the request to the envelope's arrival.",
        "",
        "| how the job is started | first event p50 | p99 | `job_started` p50 | p99 "
        "| first `pass_progress` p50 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in (
        ("post_then_subscribe", "`POST /refine/run`, then `subscribe` on the open `/ws`"),
        ("run_op", "`run` op on the open `/ws`"),
    ):
        d = data[key]
        cells = [
            f"{d[m]['p50']} | {d[m]['p99']}" for m in ("first", "job_started", "pass_progress")
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _scale(extra: dict[str, Any]) -> list[str]:
    lines = ["## Scale", ""]
    idle = extra.get("idle", {})
    if "error" in idle or not idle:
        lines.append(f"- Idle subscribers: not measured: {idle.get('error', 'no data')}")
    else:
        lines.append(f"- Idle WebSocket subscribers: {_idle_figures(idle)}{_floor_figures(idle)}")
    jobs = extra.get("many_jobs", {})
    if "error" in jobs or not jobs:
        lines.append(f"- Concurrent jobs: not measured: {jobs.get('error', 'no data')}")
    else:
        peak = jobs.get("peak_rss_kb") or 0
        lines.append(
            f"- {jobs['count']:,} local-engine jobs (3 passes, ~2 KB each) submitted 32 at a "
            f"time in {jobs['submit_seconds']} s: {jobs['accepted']:,} accepted, refused "
            f"{jobs['refused'] or 'none'}; ended {jobs['ended']}, {jobs['unfinished']} "
            f"unfinished, all done after {jobs['total_seconds']} s; server peak RSS "
            f"{peak / 1024:.0f} MB."
        )
    return [*lines, ""]


def _idle_figures(idle: dict[str, Any]) -> str:
    kb = idle.get("kb_each")
    return (
        f"{idle.get('opened', 0):,} of {idle.get('wanted', 0):,} "
        f"opened in {idle.get('seconds')} s ({idle.get('failed', 0)} failed"
        + (f": {'; '.join(idle.get('errors', []))}" if idle.get("errors") else "")
        + f"); server RSS {idle['rss_before_kb'] / 1024:.1f} MB before, "
        f"{idle['rss_after_kb'] / 1024:.1f} MB after: "
        + (f"{kb:.1f} KB per subscriber." if kb is not None else "n/a.")
    )


def _floor_figures(idle: dict[str, Any]) -> str:
    """The same figures for uvicorn + Starlette alone, and how far Refiner is above them."""
    if "floor" not in idle:
        return ""
    floor = idle["floor"]
    lead = " The floor, uvicorn + Starlette alone (`bench/baselines/idle_floor.py`)"
    if "error" in floor:
        return f"{lead}: not measured: {floor['error']}"
    text = f"{lead}, same client and counts: {_idle_figures(floor)}"
    kb, floor_kb = idle.get("kb_each"), floor.get("kb_each")
    if kb is not None and floor_kb is not None and floor_kb > 0:
        text += f" Refiner takes {kb / floor_kb:.2f}x the floor per subscriber."
    limit = idle.get("limit")
    if limit is not None:
        lead = " The limit, the bare `websockets` server (`bench/baselines/bare_websockets.py`)"
        if "error" in limit:
            text += f"{lead}: not measured: {limit['error']}"
        else:
            text += f"{lead}, same client and counts: {_idle_figures(limit)}"
            limit_kb = limit.get("kb_each")
            if kb is not None and limit_kb:
                text += f" Refiner takes {kb / limit_kb:.2f}x the limit per subscriber."
    return text


def _engine(extra: dict[str, Any]) -> list[str]:
    lines = ["## Engine and diff", ""]
    engine = extra.get("engine", {})
    if "mb_per_second" in engine:
        lines += [
            f"Local engine on {engine['megabytes']} MB of prose ({engine['documents']} "
            f"documents, {engine['source']}), CPU time of one process on one core:",
            "",
            "| strategy | MB/s per core |",
            "|---|---:|",
        ]
        for strategy, s in engine["mb_per_second"].items():
            lines.append(f"| {strategy} | {s['median']} [{s['min']} to {s['max']}] |")
        lines.append("")
    else:
        lines += [f"Engine speed not measured: {engine.get('error')}", ""]
    lines += ["`bench/diff_speed.py` (medians of 5 runs):", "", "```"]
    lines += [str(extra.get("diff", "")).rstrip(), "```", ""]
    lines += ["`bench/analytics_speed.py` (100,000 stored jobs, medians of 5):", "", "```"]
    lines += [str(extra.get("analytics", "")).rstrip(), "```", ""]
    lines += ["`bench/docx_speed.py`, writing refined text into Word documents:", "", "```"]
    lines += [str(extra.get("docx", "not measured in this report")).rstrip(), "```", ""]
    lines += [
        "`bench/llm_speed.py`: one pass of 64 chunks, 8 at a time, against a local "
        "OpenAI-compatible server answering in 200 ms (ideal 1.6 s; target within 1.3x):",
        "",
        "```",
        str(extra.get("llm", "")).rstrip(),
        "```",
        "",
    ]
    return lines
