"""Usage and job figures, computed in SQLite with its indexes, never by loading jobs.

Every query walks a covering index (see the schema), once: per-strategy
counts come from one grouped scan, and totals are their sums. Percentiles
are nearest-rank: the value at rank ceil(q * n) in sorted order, read with
ORDER BY ... LIMIT 1 OFFSET over an index on the column.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from typing import Any

QUANTILES = (("p50", 0.5), ("p95", 0.95))


@dataclass(frozen=True, slots=True)
class Window:
    since: float | None = None
    until: float | None = None

    def clause(self, column: str = "created_at") -> tuple[str, list[float]]:
        parts, params = [], []
        if self.since is not None:
            parts.append(f"{column} >= ?")
            params.append(self.since)
        if self.until is not None:
            parts.append(f"{column} < ?")
            params.append(self.until)
        return (" AND ".join(parts) or "1"), params


def _percentiles(
    conn: sqlite3.Connection, table: str, where: str, params: list[Any], count: int
) -> dict[str, float | None]:
    figures: dict[str, float | None] = {}
    for name, q in QUANTILES:
        figures[name] = None
        if count:
            row = conn.execute(
                f"SELECT duration_ms FROM {table} WHERE {where} AND duration_ms IS NOT NULL"
                " ORDER BY duration_ms LIMIT 1 OFFSET ?",
                (*params, max(0, math.ceil(q * count) - 1)),
            ).fetchone()
            figures[name] = row[0] if row else None
    return figures


def _jobs(conn: sqlite3.Connection, where: str, params: list[Any]) -> dict[str, Any]:
    by_status = dict(
        conn.execute(f"SELECT status, COUNT(*) FROM jobs WHERE {where} GROUP BY status", params)
    )
    (timed,) = conn.execute(
        f"SELECT COUNT(*) FROM jobs WHERE {where} AND duration_ms IS NOT NULL", params
    ).fetchone()
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "duration_ms": _percentiles(conn, "jobs", where, params, timed),
    }


def _passes(conn: sqlite3.Connection, where: str, params: list[Any]) -> dict[str, Any]:
    counts = conn.execute(
        "SELECT strategy, COUNT(*), SUM(changed) FROM pass_stats INDEXED BY"
        f" pass_stats_by_strategy WHERE {where} GROUP BY strategy",
        params,
    ).fetchall()
    by_strategy = {
        strategy: {
            "passes": n,
            "changed_share": round(changed / n, 4),
            "duration_ms": _percentiles(
                conn, "pass_stats", f"strategy = ? AND {where}", [strategy, *params], n
            ),
        }
        for strategy, n, changed in counts
    }
    total = sum(n for _, n, _ in counts)
    changed = sum(c for _, _, c in counts)
    return {
        "total": total,
        "changed_share": round(changed / total, 4) if total else 0,
        "duration_ms": _percentiles(conn, "pass_stats", where, params, total),
        "by_strategy": by_strategy,
    }


def _usage(conn: sqlite3.Connection, where: str, params: list[Any]) -> dict[str, Any]:
    by_model = {
        model: {
            "passes": n,
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "cost": round(cost, 6),
        }
        for model, n, tokens_in, tokens_out, cost in conn.execute(
            "SELECT model, COUNT(*), SUM(tokens_in), SUM(tokens_out), SUM(cost)"
            f" FROM pass_stats WHERE model IS NOT NULL AND {where} GROUP BY model",
            params,
        )
    }
    return {
        "by_model": by_model,
        "tokens_in": sum(m["tokens_in"] for m in by_model.values()),
        "tokens_out": sum(m["tokens_out"] for m in by_model.values()),
        "cost": round(sum(m["cost"] for m in by_model.values()), 6),
    }


def summary(conn: sqlite3.Connection, window: Window) -> dict[str, Any]:
    where, params = window.clause()
    documents, words = conn.execute(
        f"SELECT COALESCE(SUM(documents), 0), COALESCE(SUM(words), 0) FROM jobs WHERE {where}",
        params,
    ).fetchone()
    return {
        "jobs": _jobs(conn, where, params),
        "passes": _passes(conn, where, params),
        "documents": {"total": documents, "words": words},
        "usage": _usage(conn, where, params),
    }
