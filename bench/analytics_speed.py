"""How fast ``GET /analytics/summary`` answers over 100,000 stored jobs.

Fills a fresh database with JOBS finished jobs (one document, three passes
each, spread over 30 days), then times, in the same run:

- the service's summary (``Store.analytics``, SQL over indexes), in process;
- ``GET /analytics/summary`` over HTTP against ``python -m service`` on that data;
- a baseline that loads every job and pass into Python and computes the same
  figures there, which is what the summary avoids.

Run: ``.venv/bin/python bench/analytics_speed.py [JOBS]``. Prints medians of 5.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.store import Store  # noqa: E402
from service.store.analytics import Window  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

STRATEGIES = ("normalize", "concise", "plain")
STATUSES = ("succeeded",) * 8 + ("failed", "cancelled")


def fill(path: Path, jobs: int) -> None:
    """Write ``jobs`` finished jobs straight into the service's schema."""
    Store(path.parent).close()  # creates the schema
    rng = random.Random(7)
    now = time.time()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    job_rows, doc_rows, pass_rows = [], [], []
    for n in range(jobs):
        created = now - rng.uniform(0, 30 * 86400)
        job_id, doc_id = f"job_{n:08d}", f"file_{n:08d}"
        status = rng.choice(STATUSES)
        job_rows.append(
            (
                job_id,
                status,
                "local",
                3,
                json.dumps(STRATEGIES),
                "{}",
                created,
                created,
                created + 1,
                rng.uniform(5, 500),
                1,
                rng.randint(50, 5000),
            )
        )
        doc_rows.append((doc_id, job_id, 0, "doc.txt", "txt"))
        for p, strategy in enumerate(STRATEGIES, start=1):
            pass_rows.append(
                (
                    doc_id,
                    p,
                    job_id,
                    strategy,
                    "local",
                    None,
                    rng.random() < 0.7,
                    rng.uniform(1, 100),
                    created + p,
                )
            )
    with conn:
        conn.executemany(
            "INSERT INTO jobs (id, status, engine, passes, strategies, options, created_at,"
            " started_at, finished_at, duration_ms, documents, words)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            job_rows,
        )
        conn.executemany(
            "INSERT INTO documents (id, job_id, position, name, format) VALUES (?,?,?,?,?)",
            doc_rows,
        )
        conn.executemany(
            "INSERT INTO pass_stats (document_id, pass, job_id, strategy, engine, model,"
            " changed, duration_ms, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            pass_rows,
        )
    conn.close()


def load_everything(path: Path) -> dict[str, object]:
    """The baseline: every row into Python, figures computed there."""
    conn = sqlite3.connect(path)
    jobs = conn.execute("SELECT status, duration_ms FROM jobs").fetchall()
    passes = conn.execute("SELECT strategy, changed, duration_ms FROM pass_stats").fetchall()
    conn.close()
    by_status: dict[str, int] = {}
    for status, _ in jobs:
        by_status[status] = by_status.get(status, 0) + 1
    durations = sorted(d for _, d in jobs if d is not None)
    pass_durations = sorted(d for _, _, d in passes)
    return {
        "by_status": by_status,
        "p95": durations[int(0.95 * len(durations))],
        "pass_p95": pass_durations[int(0.95 * len(pass_durations))],
        "changed": sum(c for _, c, _ in passes) / len(passes),
    }


def timed(fn: object, runs: int = 5) -> tuple[float, float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), min(samples), max(samples)


def main() -> None:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    workdir = Path(tempfile.mkdtemp(prefix="refiner-analytics-"))
    db = workdir / "data" / "refiner.sqlite3"
    started = time.perf_counter()
    fill(db, jobs)
    print(f"filled {jobs} jobs in {time.perf_counter() - started:.1f} s")

    store = Store(db.parent)

    def in_process() -> None:
        asyncio.run(store.analytics(Window()))

    service = timed(in_process)
    baseline = timed(lambda: load_everything(db))
    store.close()
    with ServerProcess(workdir) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.get("/analytics/summary").json()["jobs"]["total"] == jobs
        http = timed(lambda: client.get("/analytics/summary").raise_for_status())
        month = timed(
            lambda: client.get(
                "/analytics/summary", params={"since": time.time() - 7 * 86400}
            ).raise_for_status()
        )

    def show(name: str, figures: tuple[float, float, float]) -> None:
        median, low, high = figures
        ratio = median / baseline[0]
        print(
            f"{name:44s} {median * 1000:8.1f} ms  [{low * 1000:.1f}-{high * 1000:.1f}]"
            f"  {ratio:5.2f}x baseline"
        )

    print(f"{jobs} jobs, {3 * jobs} passes; median of 5 [min-max]")
    show("baseline: load every row into Python", baseline)
    show("Store.analytics, in process", service)
    show("GET /analytics/summary over HTTP", http)
    show("GET /analytics/summary, last 7 days", month)


if __name__ == "__main__":
    main()
