"""How jobs, files and versions look in JSON answers."""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from service.errors import invalid
from service.store import DocumentRecord, JobRecord, Transition, VersionRecord


def job_links(job_id: str) -> dict[str, str]:
    return {
        "self": f"/jobs/{job_id}",
        "status": f"/jobs/{job_id}/status",
        "events": f"/jobs/{job_id}/events",
        "websocket": f"/ws/progress/{job_id}",
        "cancel": f"/jobs/{job_id}/cancel",
    }


def output_view(job_id: str, output: dict[str, Any]) -> dict[str, Any]:
    url = f"/jobs/{job_id}/output?file_id={output['file_id']}&format={output['format']}"
    return {**output, "url": url}


def job_summary(job: JobRecord) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "name": job.name,
        "status": job.status.value,
        "engine": job.engine,
        "passes": job.passes,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "last_seq": job.last_seq,
    }


def job_status(job: JobRecord, queue_position: int | None) -> dict[str, Any]:
    view = job_summary(job)
    view["error"] = job.error.to_dict() if job.error is not None else None
    if queue_position is not None:
        view["queue_position"] = queue_position
    return view


def version_view(v: VersionRecord) -> dict[str, Any]:
    view: dict[str, Any] = {
        "file_id": v.document_id,
        "pass": v.pass_number,
        "strategy": v.strategy,
        "engine": v.engine,
        "changed": v.changed,
        "metrics": v.metrics,
        "created_at": v.created_at,
    }
    if v.text is not None:
        view["text"] = v.text
    if v.edits is not None:
        view["edits"] = v.edits
    return view


def job_detail(
    job: JobRecord,
    transitions: list[Transition],
    files: list[tuple[DocumentRecord, list[VersionRecord]]],
    queue_position: int | None,
) -> dict[str, Any]:
    view = job_status(job, queue_position)
    view.update(
        {
            "model": job.model,
            "strategies": list(job.strategies),
            "options": job.options,
            "output_format": job.output_format,
            "outputs": [output_view(job.id, o) for o in job.outputs or ()],
            "transitions": [
                {"status": t.status.value, "at": t.at, "reason": t.reason} for t in transitions
            ],
            "files": [
                {
                    "file_id": doc.id,
                    "name": doc.name,
                    "format": doc.format,
                    "upload_id": doc.upload_id,
                    "passes": [version_view(v) for v in versions],
                }
                for doc, versions in files
            ],
            "links": job_links(job.id),
        }
    )
    return view


# What ``encode_cursor`` gives out: unpadded URL-safe base64, as the OpenAPI document says.
CURSOR_PATTERN = "^[A-Za-z0-9_-]+$"


def encode_cursor(job: JobRecord) -> str:
    raw = json.dumps([job.created_at, job.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """The place ``encode_cursor`` gave out; anything else, crafted or garbled, is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, job_id = json.loads(raw)
        if isinstance(created_at, bool) or not isinstance(created_at, int | float):
            raise TypeError
        if not isinstance(job_id, str):
            raise TypeError
        job_id.encode()  # a lone surrogate is no job id, and SQLite cannot take it
        created = float(created_at)
        if not math.isfinite(created):
            raise ValueError
        return created, job_id
    except (binascii.Error, ValueError, TypeError, OverflowError):
        raise invalid(f"cursor {cursor!r} is not one this service gave out") from None
