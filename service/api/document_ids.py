"""A document's id, or the id of the upload it was made from, to the document.

``POST /files`` answers an upload's id (``upload_…``); a job makes one
document (``file_…``) of each upload it refines. Wherever a document's id is
asked for, the upload's id stands for the document made from it when that is
exactly one document (of the job, where the route names a job). When it is
several, the answer is a 409 that lists the documents' own ids to use instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.errors import ApiError
from service.store import DocumentRecord, Store


class DocumentMissing(LookupError):
    """No document answers to the id; ``detail`` says why, for the caller's own error."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


async def find_document(store: Store, file_id: str, *, job_id: str | None = None) -> DocumentRecord:
    """The document ``file_id`` names, of job ``job_id`` if given.

    Raises ``DocumentMissing`` when there is none and an ``ApiError`` (409)
    when an upload's id names several.
    """
    doc = await store.get_document(file_id)
    if doc is not None and (job_id is None or doc.job_id == job_id):
        return doc
    if doc is None:
        made = await store.documents_of_upload(file_id, job_id)
        if len(made) == 1:
            return made[0]
        if made:
            raise _ambiguous(file_id, made, job_id)
    where = (
        f"job {job_id} has no document {file_id!r}" if job_id else f"no file with id {file_id!r}"
    )
    if doc is None and await store.get_upload(file_id) is not None:
        raise DocumentMissing(
            f"{where}: {file_id!r} is an upload that no job "
            f"{'of that id ' if job_id else ''}has refined yet (give it in file_ids to "
            "POST /refine/run; each job's document ids are in GET /jobs/{job_id})"
        )
    raise DocumentMissing(where)


async def document_or_404(
    store: Store, file_id: str, *, job_id: str | None = None
) -> DocumentRecord:
    """``find_document``, with a 404 ``file_not_found`` when there is none."""
    try:
        return await find_document(store, file_id, job_id=job_id)
    except DocumentMissing as exc:
        raise ApiError(404, "file_not_found", exc.detail) from None


def _ambiguous(upload_id: str, made: Sequence[DocumentRecord], job_id: str | None) -> ApiError:
    jobs = sorted({doc.job_id for doc in made})
    choices = ", ".join(f"{doc.id} (job {doc.job_id}, {doc.name!r})" for doc in made)
    scope = f"job {job_id}" if job_id else f"{len(jobs)} jobs" if len(jobs) > 1 else "one job"
    return ApiError(
        409,
        "ambiguous_file_id",
        f"upload {upload_id!r} was refined as {len(made)} documents of {scope}; name one by "
        f"its own file_id (listed for each job by GET /jobs/{{job_id}}): {choices}",
        documents=[{"file_id": doc.id, "job_id": doc.job_id, "name": doc.name} for doc in made],
    )
