"""``make bench``: run every measurement against fresh servers and write ``docs/benchmarks.md``.

Each streaming configuration runs ``--reps`` times (interleaved, so that a
noisy minute does not fall on one server only) against a server started for
that run alone: Refiner (``python -m service``) or a baseline of
``bench/baselines``. The server is pinned to core 0 and the client to core 1
(``taskset``); both may hold 20,000 open files. Everything started is stopped
before the runner exits, also on Ctrl-C. The whole run keeps to a time budget:
what does not fit is reported as skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import report
from bench._procs import (
    CLIENT_CORE,
    PYTHON,
    ROOT,
    SERVER_CORE,
    Process,
    Processes,
    free_port,
    memory_kb,
    pinning,
    sampled,
    wait_ready,
)
from bench.load_client import LoadResult, raise_open_files_limit

J, S = 50, 20
# What a failed one-off measurement raises; it is reported, and the run goes on.
STEP_ERRORS = (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError)
# The raw figures of the last run (git-ignored), to re-render the report from.
RAW = ROOT / "bench" / "results" / "benchmarks.json"


@dataclass(frozen=True, slots=True)
class Config:
    load: str  # saturated, paced20, paced50
    server: str  # refiner, bare_websockets, polling_sse, pubsub
    transport: str
    events: int
    rate: float
    max_seconds: float

    @property
    def label(self) -> str:
        transports = {"ws": "WS", "session": "WS session (/ws)", "sse": "SSE"}
        names = {
            "refiner": f"Refiner {transports.get(self.transport, self.transport)}",
            "bare_websockets": "bare websockets (limit)",
            "polling_sse": "polling SSE (tutorial)",
            "pubsub": "fastapi-websocket-pubsub",
        }
        return names[self.server]


def configs(seconds: float) -> list[Config]:
    paced20, paced50 = int(20 * seconds), int(50 * seconds)
    cap = seconds + 6  # a paced run's streams last `seconds` when nothing lags
    saturated_cap = max(8.0, 2 * seconds)
    out = []
    for server, transport in (
        ("bare_websockets", "ws"),
        ("refiner", "ws"),
        ("refiner", "session"),
        ("refiner", "sse"),
        ("pubsub", "pubsub"),
        ("polling_sse", "sse"),
    ):
        out.append(Config("saturated", server, transport, 400, 0.0, saturated_cap))
        out.append(Config("paced20", server, transport, paced20, 20.0, cap))
        if server in ("bare_websockets", "refiner"):
            out.append(Config("paced50", server, transport, paced50, 50.0, cap))
    return out


@dataclass
class Run:
    """One execution of a streaming configuration."""

    config: Config
    result: LoadResult | None = None
    server_cpu_seconds: float = 0.0
    server_wall_seconds: float = 0.0
    peak_rss_kb: int = 0
    error: str | None = None


@dataclass
class Bench:
    workdir: Path
    procs: Processes
    budget_seconds: float
    began: float = field(default_factory=time.monotonic)
    commands: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def left(self) -> float:
        return self.budget_seconds - (time.monotonic() - self.began)

    def note(self, command: list[str]) -> None:
        shown = " ".join(command).replace(str(ROOT) + "/", "").replace(PYTHON, "python")
        if shown not in self.commands:
            self.commands.append(shown)

    def refiner(self, name: str, **env: str) -> tuple[Process, int]:
        port = free_port()
        data = self.workdir / name
        settings = {
            "REFINER_HOST": "127.0.0.1",
            "REFINER_PORT": str(port),
            "REFINER_DATA_DIR": str(data / "data"),
            "REFINER_OUTPUT_DIR": str(data / "output"),
            "REFINER_FEEDBACK_DIR": str(data / "feedback"),
            "REFINER_LOG_LEVEL": "warning",
            **env,
        }
        proc = self.procs.start(name, [PYTHON, "-m", "service"], core=SERVER_CORE, **settings)
        shown = [f"{k}={v}" for k, v in env.items()]
        self.note(
            ["REFINER_LOG_LEVEL=warning", *shown, *pinning(SERVER_CORE), PYTHON, "-m", "service"]
        )
        wait_ready(proc, port, health=True)
        return proc, port

    def baseline(
        self, name: str, module: str, args: list[str], *, health: bool
    ) -> tuple[Process, int]:
        port = free_port()
        command = [PYTHON, "-m", f"bench.baselines.{module}", "--port", str(port), *args]
        proc = self.procs.start(name, command, core=SERVER_CORE)
        self.note([*pinning(SERVER_CORE), *command[:4], "PORT", *args])
        wait_ready(proc, port, health=health)
        return proc, port

    def client(self, module: str, args: list[str], timeout: float) -> str:
        command = [*pinning(CLIENT_CORE), PYTHON, "-m", module, *args]
        self.note([c if not c.startswith("http://") else "http://127.0.0.1:PORT" for c in command])
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"{module} failed ({done.returncode}): {done.stderr[-1500:]}")
        return done.stdout.strip().splitlines()[-1]

    # streaming

    def stream(self, config: Config, rep: int) -> Run:
        run = Run(config)
        name = f"{config.load}-{config.server}-{config.transport}-{rep}"
        if config.server == "refiner":
            proc, port = self.refiner(name, REFINER_MAX_JOBS=str(2 * J))
        else:
            board = ["--jobs", str(J), "--subscribers", str(S + 1)]
            board += ["--events", str(config.events), "--rate", str(config.rate)]
            proc, port = self.baseline(name, config.server, board, health=False)
        args = ["--url", f"http://127.0.0.1:{port}", "--transport", config.transport]
        args += ["--jobs", str(J), "--subscribers", str(S), "--events", str(config.events)]
        args += ["--rate", str(config.rate), "--max-seconds", str(config.max_seconds)]
        if config.server == "refiner":
            args.append("--create-jobs")
        try:
            with sampled(proc.pid) as sample:
                out = self.client("bench.load_client", args, timeout=config.max_seconds + 90)
            run.result = LoadResult.from_json(out)
            run.server_cpu_seconds = sample["cpu_seconds"]
            run.server_wall_seconds = sample["wall_seconds"]
            run.peak_rss_kb = int(sample["peak_rss_kb"])
        except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as exc:
            run.error = str(exc)[-600:]
        finally:
            proc.stop()
        return run

    # the rest

    def job_start(self) -> dict[str, Any]:
        proc, port = self.refiner("job-start")
        try:
            out = self.client(
                "bench.job_start", ["--url", f"http://127.0.0.1:{port}", "--count", "40"], 120
            )
            return dict(json.loads(out))
        finally:
            proc.stop()

    def idle(self, jobs: int, per_job: int) -> dict[str, Any]:
        """Refiner's idle subscribers, beside the floor and the limit under the same load."""
        result = self.idle_memory(
            lambda: self.refiner("idle", REFINER_MAX_JOBS=str(jobs + 2)), jobs, per_job
        )
        # The limit's jobs wait for one subscriber more than will come, and so stay idle.
        board = ["--jobs", str(jobs), "--subscribers", str(per_job + 1), "--wait-timeout", "600"]
        beside = {
            "floor": (lambda: self.baseline("idle-floor", "idle_floor", [], health=True), False),
            "limit": (
                lambda: self.baseline("idle-limit", "bare_websockets", board, health=False),
                True,
            ),
        }
        for name, (start, baseline) in beside.items():
            try:
                result[name] = self.idle_memory(start, jobs, per_job, baseline=baseline)
            except STEP_ERRORS as exc:
                result[name] = {"error": str(exc)[-600:]}
        return result

    def idle_memory(
        self,
        start: Callable[[], tuple[Process, int]],
        jobs: int,
        per_job: int,
        *,
        baseline: bool = False,
    ) -> dict[str, Any]:
        """Server RSS before and while ``bench.idle`` holds ``jobs`` x ``per_job`` sockets open."""
        proc, port = start()
        try:
            command = [*pinning(CLIENT_CORE), PYTHON, "-m", "bench.idle", "--url"]
            command += [f"http://127.0.0.1:{port}", "--jobs", str(jobs), "--per-job", str(per_job)]
            command += ["--baseline"] if baseline else []
            self.note(
                [c if not c.startswith("http://") else "http://127.0.0.1:PORT" for c in command]
            )
            time.sleep(0.5)
            before = memory_kb(proc.pid)
            opened, after = self.hold_idle(command, proc)
        finally:
            proc.stop()
        n = opened.get("opened", 0)
        per = (after - before) / n if n else None
        return {**opened, "rss_before_kb": before, "rss_after_kb": after, "kb_each": per}

    def hold_idle(self, command: list[str], server: Process) -> tuple[dict[str, Any], int]:
        """The client's report once every socket is open, and the server's RSS then."""
        client = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert client.stdout is not None
            assert client.stdin is not None
            opened = json.loads(client.stdout.readline() or "{}")
            time.sleep(1.0)
            after = memory_kb(server.pid)
            client.stdin.write("\n")
            client.stdin.flush()
            client.wait(60)
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
        return dict(opened), after

    def many_jobs(self, count: int) -> dict[str, Any]:
        proc, port = self.refiner("many-jobs", REFINER_MAX_QUEUE=str(2 * count))
        try:
            with sampled(proc.pid) as sample:
                out = self.client(
                    "bench.many_jobs",
                    ["--url", f"http://127.0.0.1:{port}", "--count", str(count)],
                    240,
                )
            return {**json.loads(out), "peak_rss_kb": sample.get("peak_rss_kb")}
        finally:
            proc.stop()

    def engine(self) -> dict[str, Any]:
        return dict(json.loads(self.client("bench.engine_speed", ["--megabytes", "2"], 180)))

    def diff(self) -> str:
        return self.script(["bench/diff_speed.py"], 180)

    def analytics(self) -> str:
        return self.script(["bench/analytics_speed.py"], 240)

    def docx(self) -> str:
        return self.script(["-m", "bench.docx_speed"], 180)

    def llm(self) -> str:
        return self.script(["-m", "bench.llm_speed"], 120)

    def script(self, args: list[str], timeout: float) -> str:
        """A measurement that prints its own figures, on the client's core."""
        command = [*pinning(CLIENT_CORE), PYTHON, *args]
        self.note(command)
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        return done.stdout if done.returncode == 0 else f"failed: {done.stderr[-800:]}"


def _save_raw(
    runs: list[Run], extra: dict[str, Any], commands: list[str], skipped: list[str]
) -> None:
    raw = {
        "runs": [
            {**dataclasses.asdict(r), "result": r.result and json.loads(r.result.to_json())}
            for r in runs
        ],
        "extra": extra,
        "commands": commands,
        "skipped": skipped,
    }
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(json.dumps(raw, indent=1), encoding="utf-8")


def _load_raw() -> tuple[list[Run], dict[str, Any], list[str], list[str]]:
    raw = json.loads(RAW.read_text(encoding="utf-8"))
    runs = []
    for item in raw["runs"]:
        result = item.pop("result")
        run = Run(**{**item, "config": Config(**item["config"])})
        run.result = LoadResult.from_json(json.dumps(result)) if result else None
        runs.append(run)
    return runs, raw["extra"], raw["commands"], raw["skipped"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of a paced run")
    parser.add_argument("--budget", type=float, default=540.0, help="seconds for everything")
    parser.add_argument("--idle", type=int, default=10_000, help="idle WebSocket subscribers")
    parser.add_argument("--jobs", type=int, default=1000, help="concurrent local-engine jobs")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--render-only", action="store_true", help=f"rewrite the report from {RAW.name} alone"
    )
    args = parser.parse_args()
    if args.render_only:
        args.out.write_text(report.render(*_load_raw(), args.reps, J, S), encoding="utf-8")
        return
    limit = raise_open_files_limit()
    with (
        tempfile.TemporaryDirectory(prefix="refiner-bench-") as tmp,
        Processes(Path(tmp)) as procs,
    ):
        bench = Bench(Path(tmp), procs, args.budget)
        runs: list[Run] = []
        extra: dict[str, Any] = {"open_files_limit": limit}
        # The one-off measurements first: they are short, and the streaming
        # runs fill what is left of the budget.
        steps = [
            ("engine", bench.engine),
            ("diff", bench.diff),
            ("analytics", bench.analytics),
            ("docx", bench.docx),
            ("llm", bench.llm),
            ("job_start", bench.job_start),
            ("many_jobs", lambda: bench.many_jobs(args.jobs)),
            ("idle", lambda: bench.idle(10, args.idle // 10)),
        ]
        for key, step in steps:
            print(f"[bench] {key}", flush=True)
            try:
                extra[key] = step()
            except STEP_ERRORS as exc:
                extra[key] = {"error": str(exc)[-600:]}
        all_configs = configs(args.seconds)
        for rep in range(1, args.reps + 1):
            for config in all_configs:
                if bench.left() < config.max_seconds + 10:
                    bench.skipped.append(f"{config.load} {config.label} run {rep}")
                    continue
                print(f"[bench] {config.load} {config.label} run {rep}", flush=True)
                run = bench.stream(config, rep)
                if run.error:
                    print(f"[bench]   error: {run.error[:300]}", flush=True)
                runs.append(run)
        extra["elapsed_seconds"] = round(time.monotonic() - bench.began, 1)
        _save_raw(runs, extra, bench.commands, bench.skipped)
        text = report.render(runs, extra, bench.commands, bench.skipped, args.reps, J, S)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"[bench] wrote {args.out} in {extra['elapsed_seconds']} s", flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
