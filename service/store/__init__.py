"""Persistence: one SQLite database (WAL) for jobs, versions, uploads and events."""

from service.store.jobs import NewDocument, NewJob
from service.store.records import (
    DocumentRecord,
    JobError,
    JobRecord,
    JobStatus,
    StoredEvent,
    Transition,
    UploadRecord,
    VersionRecord,
)
from service.store.store import Store
from service.store.versions import NewVersion

__all__ = [
    "DocumentRecord",
    "JobError",
    "JobRecord",
    "JobStatus",
    "NewDocument",
    "NewJob",
    "NewVersion",
    "Store",
    "StoredEvent",
    "Transition",
    "UploadRecord",
    "VersionRecord",
]
