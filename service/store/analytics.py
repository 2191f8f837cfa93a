"""Usage and job figures, computed in SQLite with its indexes, never by loading jobs.

Percentiles are nearest-rank: the value at rank ceil(q * n) in sorted order,
read with ORDER BY ... LIMIT 1 OFFSET, which walks an index on the column.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Window:
    since: float | None = None
    until: float | None = None

    def clause(self, column: str) -> tuple[str, list[float]]:
        parts, params = [], []
        if self.since is not None:
            parts.append(f"{column} >= ?")
            params.append(self.since)
        if self.until is not None:
            parts.append(f"{column} < ?")
            params.append(self.until)
        return (" AND ".join(parts) or "1"), params


def _percentiles(
    conn: sqlite3.Connection, table: str, column: str, where: str, params: list[Any]
) -> dict[str, Any]:
    (count,) = conn.execute(
        f"SELECT COUNT(*) FROM {table} WHERE {where} AND {column} IS NOT NULL", params
    ).fetchone()
    figures: dict[str, Any] = {"count": count, "p50": None, "p95": None}
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        if count:
            offset = max(0, math.ceil(q * count) - 1)
            (value,) = conn.execute(
                f"SELECT {column} FROM {table} WHERE {where} AND {column} IS NOT NULL"
                f" ORDER BY {column} LIMIT 1 OFFSET ?",
                (*params, offset),
            ).fetchone()
            figures[name] = value
    return figures


def summary(conn: sqlite3.Connection, window: Window) -> dict[str, Any]:
    job_where, job_params = window.clause("created_at")
    pass_where, pass_params = window.clause("created_at")

    by_status = dict(
        conn.execute(
            f"SELECT status, COUNT(*) FROM jobs WHERE {job_where} GROUP BY status", job_params
        ).fetchall()
    )
    documents, words = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(words), 0) FROM documents"
        f" WHERE job_id IN (SELECT id FROM jobs WHERE {job_where})",
        job_params,
    ).fetchone()
    passes, changed = conn.execute(
        f"SELECT COUNT(*), COALESCE(SUM(changed), 0) FROM pass_stats WHERE {pass_where}",
        pass_params,
    ).fetchone()

    strategies = [
        row[0]
        for row in conn.execute(
            f"SELECT DISTINCT strategy FROM pass_stats WHERE {pass_where}", pass_params
        )
    ]
    by_strategy: dict[str, Any] = {}
    for strategy in strategies:
        where = f"{pass_where} AND strategy = ?"
        params = [*pass_params, strategy]
        figures = _percentiles(conn, "pass_stats", "duration_ms", where, params)
        (changed_here,) = conn.execute(
            f"SELECT COALESCE(SUM(changed), 0) FROM pass_stats WHERE {where}", params
        ).fetchone()
        by_strategy[strategy] = {
            "passes": figures["count"],
            "changed_share": round(changed_here / figures["count"], 4) if figures["count"] else 0,
            "duration_ms": {"p50": figures["p50"], "p95": figures["p95"]},
        }

    by_model: dict[str, Any] = {}
    for model, engine, count, tokens_in, tokens_out, cost in conn.execute(
        "SELECT model, engine, COUNT(*), SUM(tokens_in), SUM(tokens_out), SUM(cost)"
        f" FROM pass_stats WHERE {pass_where} GROUP BY model, engine",
        pass_params,
    ):
        key = model or engine
        entry = by_model.setdefault(
            key, {"passes": 0, "tokens_in": 0, "tokens_out": 0, "cost": 0.0}
        )
        entry["passes"] += count
        entry["tokens_in"] += tokens_in
        entry["tokens_out"] += tokens_out
        entry["cost"] = round(entry["cost"] + cost, 6)

    job_durations = _percentiles(conn, "jobs", "duration_ms", job_where, job_params)
    pass_durations = _percentiles(conn, "pass_stats", "duration_ms", pass_where, pass_params)
    return {
        "jobs": {
            "total": sum(by_status.values()),
            "by_status": by_status,
            "duration_ms": {"p50": job_durations["p50"], "p95": job_durations["p95"]},
        },
        "passes": {
            "total": passes,
            "changed_share": round(changed / passes, 4) if passes else 0,
            "duration_ms": {"p50": pass_durations["p50"], "p95": pass_durations["p95"]},
            "by_strategy": by_strategy,
        },
        "documents": {"total": documents, "words": words},
        "usage": {
            "by_model": by_model,
            "tokens_in": sum(m["tokens_in"] for m in by_model.values()),
            "tokens_out": sum(m["tokens_out"] for m in by_model.values()),
            "cost": round(sum(m["cost"] for m in by_model.values()), 6),
        },
    }
