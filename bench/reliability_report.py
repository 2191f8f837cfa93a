"""Write docs/reliability.md from what the soak tests recorded (``make soak``).

Each test appends one JSON line to ``REFINER_SOAK_REPORT`` (see
``tests/support/soak.py``): the load it held, the faults it injected, and
what was lost. This script turns the lines of the last run into the report.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "reliability.md"

WHAT = {
    "crash_and_restart": (
        "SIGKILL at random moments during concurrent multi-pass jobs",
        "after each restart: no job left running, every announced version readable, "
        "`PRAGMA integrity_check` ok, every follower resumes with no gap or duplicate, "
        "every interrupted job resumes to the end",
    ),
    "reconnect_storm": (
        "WebSocket and SSE clients dropping and resuming at random while jobs run",
        "each client's durable sequence equals the job's log; open streams and tasks return "
        "to their starting count",
    ),
    "full_disk": (
        "the data folder on a small tmpfs, filled up mid-run",
        "the job it hits fails with `storage_error` (or is refused with 503); reads keep "
        "working; the database passes `integrity_check`; jobs succeed once space returns",
    ),
    "unwritable_output": (
        "an output folder that cannot be written",
        "the job fails with `output_failed`, keeps its passes, and resumes to the end once "
        "the folder is writable",
    ),
    "llm_hang": (
        "a model endpoint that never answers",
        "bounded retries, then the job fails with `timeout`; no job hangs",
    ),
    "llm_reset": (
        "a model endpoint that drops the connection mid-answer",
        "bounded retries, then the job fails with a clear code; no job hangs",
    ),
    "llm_garbage": (
        "a model endpoint that answers 200 with something that is not a completion",
        "bounded retries, then the job fails with `bad_answer`; no job hangs",
    ),
    "fuzz_websocket_ops": (
        "hypothesis-generated messages on an editor's `/ws` session",
        "every message answered (an `error` for each bad one), the socket still answers ping",
    ),
    "fuzz_rest_api": (
        "schemathesis over the OpenAPI document",
        "every schemathesis check: no 5xx; statuses, content types, headers and bodies as "
        "documented; valid data accepted, invalid refused; the key enforced; 405 with Allow",
    ),
}


def main() -> None:
    source = Path(os.environ.get("REFINER_SOAK_REPORT", ROOT / "bench/results/soak.jsonl"))
    if not source.exists():
        sys.exit(f"no soak results at {source}: run `make soak`")
    rows = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    lines = [
        "# Reliability",
        "",
        "Written by `make soak`, which runs the long forms of the fault, storm and fuzz tests "
        "(`REFINER_SOAK=1`); `make test` runs their short forms. Goal: nothing lost.",
        "",
        f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Linux {platform.release()}",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        "| test | load and faults | checked | figures | lost |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        load, checked = WHAT.get(row["test"], (row["test"], ""))
        figures = ", ".join(
            f"{k.replace('_', ' ')} {v}"
            for k, v in row.items()
            if k not in ("test", "long", "at") and not k.startswith("lost")
        )
        lost = ", ".join(
            f"{k.replace('_', ' ')}: {v}" for k, v in row.items() if k.startswith("lost")
        )
        lines.append(f"| `{row['test']}` | {load} | {checked} | {figures} | {lost or 'nothing'} |")
    lines += [
        "",
        "Commands: `make soak` (long forms and this report); single tests with "
        "`REFINER_SOAK=1 .venv/bin/pytest tests/test_soak_crash.py`.",
        "",
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} from {len(rows)} results")


if __name__ == "__main__":
    main()
