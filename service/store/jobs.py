"""Jobs, their transitions and their documents."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.store.records import (
    DocumentRecord,
    JobError,
    JobRecord,
    JobStatus,
    StoredEvent,
    Transition,
)


@dataclass(frozen=True, slots=True)
class NewDocument:
    id: str
    name: str
    format: str
    text: str
    metrics: dict[str, Any]
    upload_id: str | None = None
    source: bytes | None = None  # the original file, for formats rebuilt from it (.docx)


@dataclass(frozen=True, slots=True)
class NewJob:
    id: str
    name: str | None
    engine: str
    model: str | None
    passes: int
    strategies: tuple[str, ...]
    options: dict[str, Any]
    output_format: str | None
    idempotency_key: str | None
    created_at: float
    documents: tuple[NewDocument, ...]


def insert_job(conn: sqlite3.Connection, job: NewJob) -> tuple[JobRecord, bool]:
    """Insert a queued job with its documents and their pass 0.

    Returns the job and whether it was created; a known idempotency key
    returns the job it made before instead.
    """
    if job.idempotency_key is not None:
        row = conn.execute(
            "SELECT * FROM jobs WHERE idempotency_key = ?", (job.idempotency_key,)
        ).fetchone()
        if row is not None:
            return JobRecord.from_row(row), False
    conn.execute(
        "INSERT INTO jobs (id, name, status, engine, model, passes, strategies, options,"
        " output_format, idempotency_key, created_at, documents, words)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            job.id,
            job.name,
            JobStatus.QUEUED.value,
            job.engine,
            job.model,
            job.passes,
            json.dumps(job.strategies),
            json.dumps(job.options),
            job.output_format,
            job.idempotency_key,
            job.created_at,
            len(job.documents),
            sum(int(doc.metrics.get("words", 0)) for doc in job.documents),
        ),
    )
    conn.execute(
        "INSERT INTO transitions (job_id, status, at) VALUES (?,?,?)",
        (job.id, JobStatus.QUEUED.value, job.created_at),
    )
    for position, doc in enumerate(job.documents):
        conn.execute(
            "INSERT INTO documents (id, job_id, position, name, format, upload_id, source)"
            " VALUES (?,?,?,?,?,?,?)",
            (doc.id, job.id, position, doc.name, doc.format, doc.upload_id, doc.source),
        )
        conn.execute(
            "INSERT INTO versions (document_id, pass, strategy, engine, changed, text,"
            " metrics, edits, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (doc.id, 0, None, None, 0, doc.text, json.dumps(doc.metrics), "[]", job.created_at),
        )
    return get_job(conn, job.id), True  # type: ignore[return-value]


def get_job(conn: sqlite3.Connection, job_id: str) -> JobRecord | None:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return JobRecord.from_row(row) if row else None


def list_jobs(
    conn: sqlite3.Connection,
    *,
    status: JobStatus | None,
    limit: int,
    before: tuple[float, str] | None,
) -> list[JobRecord]:
    """Newest first; ``before`` is the (created_at, id) of the last job already seen."""
    clauses: list[str] = []
    params: list[Any] = []
    if status is not None:
        clauses.append("status = ?")
        params.append(status.value)
    if before is not None:
        clauses.append("(created_at < ? OR (created_at = ? AND id < ?))")
        params.extend([before[0], before[0], before[1]])
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(
        f"SELECT * FROM jobs {where} ORDER BY created_at DESC, id DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [JobRecord.from_row(r) for r in rows]


def transitions(conn: sqlite3.Connection, job_id: str) -> list[Transition]:
    rows = conn.execute(
        "SELECT status, at, reason FROM transitions WHERE job_id = ? ORDER BY at, rowid",
        (job_id,),
    ).fetchall()
    return [Transition(JobStatus(r["status"]), r["at"], r["reason"]) for r in rows]


def document_source(conn: sqlite3.Connection, document_id: str) -> bytes | None:
    row = conn.execute("SELECT source FROM documents WHERE id = ?", (document_id,)).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def documents(conn: sqlite3.Connection, job_id: str) -> list[DocumentRecord]:
    rows = conn.execute(
        f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE job_id = ? ORDER BY position",
        (job_id,),
    ).fetchall()
    return [DocumentRecord(**dict(r)) for r in rows]


_DOCUMENT_COLUMNS = "id, job_id, position, name, format, upload_id"


def get_document(conn: sqlite3.Connection, document_id: str) -> DocumentRecord | None:
    row = conn.execute(
        f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE id = ?", (document_id,)
    ).fetchone()
    return DocumentRecord(**dict(row)) if row else None


def documents_of_upload(
    conn: sqlite3.Connection, upload_id: str, job_id: str | None = None
) -> list[DocumentRecord]:
    """The documents jobs made from an upload, oldest job first; of one job if given."""
    sql = f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE upload_id = ?"
    params: list[Any] = [upload_id]
    if job_id is not None:
        sql += " AND job_id = ?"
        params.append(job_id)
    rows = conn.execute(sql + " ORDER BY rowid", params).fetchall()
    return [DocumentRecord(**dict(r)) for r in rows]


def set_status(
    conn: sqlite3.Connection,
    job_id: str,
    status: JobStatus,
    at: float,
    *,
    reason: str | None = None,
    error: JobError | None = None,
    outputs: list[dict[str, Any]] | None = None,
    duration_ms: float | None = None,
) -> None:
    fields = ["status = ?"]
    params: list[Any] = [status.value]
    if status is JobStatus.QUEUED:
        fields.append("finished_at = NULL")
        fields.append("error = NULL")
    elif status is JobStatus.RUNNING:
        fields.append("started_at = COALESCE(started_at, ?)")
        params.append(at)
    elif status.finished:
        fields.append("finished_at = ?")
        params.append(at)
        fields.append("seq_reserved = 0")  # what follows comes after the logged end
    if error is not None:
        fields.append("error = ?")
        params.append(json.dumps(error.to_dict()))
    if outputs is not None:
        fields.append("outputs = ?")
        params.append(json.dumps(outputs))
    if duration_ms is not None:
        fields.append("duration_ms = ?")
        params.append(duration_ms)
    conn.execute(f"UPDATE jobs SET {', '.join(fields)} WHERE id = ?", (*params, job_id))
    conn.execute(
        "INSERT INTO transitions (job_id, status, at, reason) VALUES (?,?,?,?)",
        (job_id, status.value, at, reason),
    )


def append_event(conn: sqlite3.Connection, job_id: str, seq: int, type_: str, body: bytes) -> None:
    conn.execute(
        "INSERT INTO events (job_id, seq, type, body) VALUES (?,?,?,?)", (job_id, seq, type_, body)
    )
    conn.execute("UPDATE jobs SET last_seq = ? WHERE id = ? AND last_seq < ?", (seq, job_id, seq))


def reserve_seqs(conn: sqlite3.Connection, job_id: str, upto: int) -> None:
    conn.execute(
        "UPDATE jobs SET seq_reserved = ? WHERE id = ? AND seq_reserved < ?", (upto, job_id, upto)
    )


def events_after(
    conn: sqlite3.Connection, job_id: str, after: int, until: int | None = None
) -> list[StoredEvent]:
    sql = "SELECT seq, type, body FROM events WHERE job_id = ? AND seq > ?"
    params: list[Any] = [job_id, after]
    if until is not None:
        sql += " AND seq <= ?"
        params.append(until)
    rows = conn.execute(sql + " ORDER BY seq", params).fetchall()
    return [StoredEvent(r["seq"], r["type"], bytes(r["body"])) for r in rows]


def unfinished_jobs(conn: sqlite3.Connection) -> list[JobRecord]:
    rows = conn.execute(
        "SELECT * FROM jobs WHERE status IN (?, ?)",
        (JobStatus.QUEUED.value, JobStatus.RUNNING.value),
    ).fetchall()
    return [JobRecord.from_row(r) for r in rows]


def finished_before(conn: sqlite3.Connection, cutoff: float, limit: int) -> list[str]:
    rows = conn.execute(
        "SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN"
        " (?, ?, ?) LIMIT ?",
        (
            cutoff,
            JobStatus.SUCCEEDED.value,
            JobStatus.FAILED.value,
            JobStatus.CANCELLED.value,
            limit,
        ),
    ).fetchall()
    return [r["id"] for r in rows]


def delete_jobs(conn: sqlite3.Connection, job_ids: Sequence[str]) -> int:
    deleted = 0
    for job_id in job_ids:
        deleted += conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount
    return deleted
