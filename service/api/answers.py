"""The shapes of the short success answers, for the OpenAPI document.

The routes build their answers in service/api/views.py; these models only
describe them (they are named in ``responses``, never used to filter an
answer), and the fuzz test checks every answer it gets against them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from service.store import JobStatus


class JobLinks(BaseModel):
    self: str
    status: str
    events: str = Field(description="Server-Sent Events")
    websocket: str
    cancel: str


class JobStarted(BaseModel):
    job_id: str
    status: JobStatus
    links: JobLinks


class JobSummary(BaseModel):
    job_id: str
    name: str | None
    status: JobStatus
    engine: str
    passes: int
    created_at: float
    started_at: float | None
    finished_at: float | None
    last_seq: int = Field(description="the seq of the job's last durable event")


class JobState(JobSummary):
    error: dict[str, Any] | None = Field(description="why it failed or stopped")
    queue_position: int | None = Field(None, description="only while queued")


class JobPage(BaseModel):
    jobs: list[JobSummary]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at the end")


class Cancelled(BaseModel):
    job_id: str
    status: JobStatus


class Uploaded(BaseModel):
    file_id: str = Field(description="give it in file_ids to POST /refine/run")
    name: str
    format: str
    words: int
    bytes: int
