"""Rows as the rest of the service sees them: frozen, typed, JSON decoded."""

from __future__ import annotations

import enum
import json
import sqlite3
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictStr


class JobStatus(enum.StrEnum):
    QUEUED = "queued"  # accepted, waiting for a free slot
    RUNNING = "running"  # its actor is running passes
    SUCCEEDED = "succeeded"  # every pass of every document is stored, outputs written
    FAILED = "failed"  # stopped by an error; completed passes are kept
    CANCELLED = "cancelled"  # stopped on request; completed passes are kept
    INTERRUPTED = "interrupted"  # the service stopped under it; it can be resumed

    @property
    def finished(self) -> bool:
        return self in FINISHED

    @property
    def resumable(self) -> bool:
        return self in (JobStatus.FAILED, JobStatus.INTERRUPTED)


@dataclass(frozen=True, slots=True)
class JobError:
    """Why a job failed: its record's ``error``, and the data of its ``error`` event."""

    message: Annotated[StrictStr, Field(description="What went wrong, for people.")]
    code: Annotated[
        StrictStr,
        Field(
            description="Stable code for programs: `interrupted` (the service stopped; "
            "resume with `POST /jobs/{job_id}/resume`), `internal`, or an engine's own code."
        ),
    ]
    retryable: Annotated[
        StrictBool, Field(description="Whether resuming or retrying the job may succeed.")
    ]

    def to_dict(self) -> dict[str, Any]:
        """As the record's JSON column and ``GET /jobs/{job_id}`` show it."""
        return {"message": self.message, "code": self.code, "retryable": self.retryable}

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> JobError:
        return cls(stored["message"], stored["code"], stored["retryable"])


FINISHED = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED}
)


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    name: str | None
    status: JobStatus
    engine: str
    model: str | None
    passes: int
    strategies: tuple[str, ...]
    options: dict[str, Any]
    output_format: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    last_seq: int
    seq_reserved: int
    error: JobError | None
    outputs: list[dict[str, Any]] | None

    @property
    def next_seq(self) -> int:
        """The seq the job's next event takes, past any a live subscriber may have seen."""
        return max(self.last_seq, self.seq_reserved) + 1

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobRecord:
        return cls(
            id=row["id"],
            name=row["name"],
            status=JobStatus(row["status"]),
            engine=row["engine"],
            model=row["model"],
            passes=row["passes"],
            strategies=tuple(json.loads(row["strategies"])),
            options=json.loads(row["options"]),
            output_format=row["output_format"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            last_seq=row["last_seq"],
            seq_reserved=row["seq_reserved"],
            error=JobError.from_dict(json.loads(row["error"])) if row["error"] else None,
            outputs=json.loads(row["outputs"]) if row["outputs"] else None,
        )


@dataclass(frozen=True, slots=True)
class Transition:
    status: JobStatus
    at: float
    reason: str | None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    id: str
    job_id: str
    position: int
    name: str
    format: str
    upload_id: str | None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    document_id: str
    pass_number: int
    strategy: str | None
    engine: str | None
    changed: bool
    text: str | None  # None when listed without text
    metrics: dict[str, Any]
    edits: list[dict[str, Any]] | None  # None when listed without edits
    created_at: float


@dataclass(frozen=True, slots=True)
class UploadRecord:
    id: str
    name: str
    format: str
    bytes: int
    words: int
    created_at: float


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    type: str
    body: bytes
