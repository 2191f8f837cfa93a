"""Versions: every pass of every document, with its metrics and explained edits."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from service.store.records import VersionRecord


@dataclass(frozen=True, slots=True)
class NewVersion:
    document_id: str
    pass_number: int
    strategy: str
    engine: str
    changed: bool
    text: str
    metrics: dict[str, Any]
    edits: list[dict[str, Any]]
    created_at: float
    model: str | None = None


def insert_version(conn: sqlite3.Connection, v: NewVersion) -> None:
    # REPLACE: a resumed job may redo a pass whose version was stored just
    # before the process died but whose event never went out.
    conn.execute(
        "INSERT OR REPLACE INTO versions (document_id, pass, strategy, engine, changed, text,"
        " metrics, edits, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            v.document_id,
            v.pass_number,
            v.strategy,
            v.engine,
            int(v.changed),
            v.text,
            json.dumps(v.metrics),
            json.dumps(v.edits),
            v.created_at,
        ),
    )
    m = v.metrics
    conn.execute(
        "INSERT OR REPLACE INTO pass_stats (document_id, pass, job_id, strategy, engine, model,"
        " changed, duration_ms, tokens_in, tokens_out, cost, created_at)"
        " SELECT ?,?,job_id,?,?,?,?,?,?,?,?,? FROM documents WHERE id = ?",
        (
            v.document_id,
            v.pass_number,
            v.strategy,
            v.engine,
            v.model,
            int(v.changed),
            float(m.get("duration_ms", 0.0)),
            int(m.get("tokens_in", 0)),
            int(m.get("tokens_out", 0)),
            float(m.get("cost", 0.0)),
            v.created_at,
            v.document_id,
        ),
    )


def _record(row: sqlite3.Row, *, full: bool) -> VersionRecord:
    return VersionRecord(
        document_id=row["document_id"],
        pass_number=row["pass"],
        strategy=row["strategy"],
        engine=row["engine"],
        changed=bool(row["changed"]),
        text=row["text"] if full else None,
        metrics=json.loads(row["metrics"]),
        edits=json.loads(row["edits"]) if full else None,
        created_at=row["created_at"],
    )


def list_versions(conn: sqlite3.Connection, document_id: str) -> list[VersionRecord]:
    rows = conn.execute(
        "SELECT document_id, pass, strategy, engine, changed, metrics, created_at"
        " FROM versions WHERE document_id = ? ORDER BY pass",
        (document_id,),
    ).fetchall()
    return [_record(r, full=False) for r in rows]


def get_version(
    conn: sqlite3.Connection, document_id: str, pass_number: int
) -> VersionRecord | None:
    row = conn.execute(
        "SELECT * FROM versions WHERE document_id = ? AND pass = ?", (document_id, pass_number)
    ).fetchone()
    return _record(row, full=True) if row else None


def latest_version(conn: sqlite3.Connection, document_id: str) -> VersionRecord | None:
    row = conn.execute(
        "SELECT * FROM versions WHERE document_id = ? ORDER BY pass DESC LIMIT 1", (document_id,)
    ).fetchone()
    return _record(row, full=True) if row else None
