"""The storage facade the actors and the API use: async, one method per need."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.store import analytics
from service.store import jobs as q
from service.store.database import Database
from service.store.jobs import NewJob
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
from service.store.uploads import get_upload, get_upload_source, insert_upload
from service.store.versions import (
    NewVersion,
    get_version,
    insert_version,
    latest_version,
    list_versions,
)

p = functools.partial


class Store:
    """Jobs, documents, versions, uploads and the durable event log."""

    def __init__(self, data_dir: Path) -> None:
        self.db = Database(data_dir / "refiner.sqlite3")

    def close(self) -> None:
        self.db.close()

    # jobs

    async def create_job(self, job: NewJob) -> tuple[JobRecord, bool]:
        return await self.db.write(p(q.insert_job, job=job))

    async def get_job(self, job_id: str) -> JobRecord | None:
        return await self.db.read(p(q.get_job, job_id=job_id))

    async def list_jobs(
        self, *, status: JobStatus | None, limit: int, before: tuple[float, str] | None
    ) -> list[JobRecord]:
        return await self.db.read(p(q.list_jobs, status=status, limit=limit, before=before))

    async def transitions(self, job_id: str) -> list[Transition]:
        return await self.db.read(p(q.transitions, job_id=job_id))

    async def documents(self, job_id: str) -> list[DocumentRecord]:
        return await self.db.read(p(q.documents, job_id=job_id))

    async def get_document(self, document_id: str) -> DocumentRecord | None:
        return await self.db.read(p(q.get_document, document_id=document_id))

    async def documents_of_upload(
        self, upload_id: str, job_id: str | None = None
    ) -> list[DocumentRecord]:
        return await self.db.read(p(q.documents_of_upload, upload_id=upload_id, job_id=job_id))

    async def delete_jobs(self, job_ids: Sequence[str]) -> int:
        return await self.db.write(p(q.delete_jobs, job_ids=job_ids))

    async def finished_before(self, cutoff: float, limit: int = 500) -> list[str]:
        return await self.db.read(p(q.finished_before, cutoff=cutoff, limit=limit))

    # state changes: each commits its event together with what the event announces

    async def record_event(self, job_id: str, seq: int, type_: str, body: bytes) -> None:
        await self.db.write(p(q.append_event, job_id=job_id, seq=seq, type_=type_, body=body))

    async def reserve_seqs(self, job_id: str, upto: int) -> None:
        """Record that transient events of the job may use seqs up to ``upto``."""
        await self.db.write(p(q.reserve_seqs, job_id=job_id, upto=upto))

    async def record_transition(
        self,
        job_id: str,
        status: JobStatus,
        at: float,
        event: tuple[int, str, bytes] | None,
        **fields: Any,
    ) -> None:
        def tx(conn: Any) -> None:
            q.set_status(conn, job_id, status, at, **fields)
            if event is not None:
                q.append_event(conn, job_id, *event)

        await self.db.write(tx)

    async def record_version(self, version: NewVersion, event: tuple[int, str, bytes]) -> None:
        job_id_sql = "SELECT job_id FROM documents WHERE id = ?"

        def tx(conn: Any) -> None:
            insert_version(conn, version)
            (job_id,) = conn.execute(job_id_sql, (version.document_id,)).fetchone()
            q.append_event(conn, job_id, *event)

        await self.db.write(tx)

    async def events_after(
        self, job_id: str, after: int, until: int | None = None
    ) -> list[StoredEvent]:
        return await self.db.read(p(q.events_after, job_id=job_id, after=after, until=until))

    # versions

    async def versions(self, document_id: str) -> list[VersionRecord]:
        return await self.db.read(p(list_versions, document_id=document_id))

    async def version(self, document_id: str, pass_number: int) -> VersionRecord | None:
        return await self.db.read(p(get_version, document_id=document_id, pass_number=pass_number))

    async def latest_version(self, document_id: str) -> VersionRecord | None:
        return await self.db.read(p(latest_version, document_id=document_id))

    # uploads

    async def add_upload(
        self, upload: UploadRecord, text: str, source: bytes | None = None
    ) -> None:
        await self.db.write(p(insert_upload, upload=upload, text=text, source=source))

    async def upload_source(self, upload_id: str) -> bytes | None:
        return await self.db.read(p(get_upload_source, upload_id=upload_id))

    async def document_source(self, document_id: str) -> bytes | None:
        return await self.db.read(p(q.document_source, document_id=document_id))

    async def docx_origin(self, document: DocumentRecord) -> tuple[bytes | None, str | None]:
        """What a ``.docx`` output of a ``.docx`` document is made from: the file as it
        came and its pass-0 text (``rendering.render``); nothing for other formats."""
        if document.format != "docx":
            return None, None
        source = await self.document_source(document.id)
        first = await self.version(document.id, 0) if source is not None else None
        return source, first.text if first is not None else None

    async def get_upload(self, upload_id: str) -> tuple[UploadRecord, str] | None:
        return await self.db.read(p(get_upload, upload_id=upload_id))

    # analytics

    async def analytics(self, window: analytics.Window) -> dict[str, Any]:
        return await self.db.read(p(analytics.summary, window=window))

    # start-up

    def unfinished_jobs_sync(self) -> list[JobRecord]:
        return self.db.write_sync(q.unfinished_jobs)

    def interrupt_sync(
        self,
        job_id: str,
        at: float,
        error: JobError,
        events: Sequence[tuple[int, str, bytes]],
    ) -> None:
        """Mark a job the previous process left running as interrupted, ending its log."""

        def tx(conn: Any) -> None:
            q.set_status(conn, job_id, JobStatus.INTERRUPTED, at, reason=error.message, error=error)
            for event in events:
                q.append_event(conn, job_id, *event)

        self.db.write_sync(tx)
