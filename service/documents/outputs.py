"""Refined outputs on disk: written atomically, at paths built only from our own ids."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from service.documents.formats import EXTENSIONS

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class UnsafePath(ValueError):
    """An id or format that could escape the output folder."""


def output_path(root: Path, job_id: str, document_id: str, fmt: str) -> Path:
    """The one place a path under the output folder is made."""
    if not (_ID.match(job_id) and _ID.match(document_id)) or fmt not in EXTENSIONS:
        raise UnsafePath(f"refusing to build an output path from {job_id!r}, {document_id!r}")
    path = (root / job_id / f"{document_id}.{EXTENSIONS[fmt]}").resolve()
    if not path.is_relative_to(root.resolve()):
        raise UnsafePath(f"{path} lies outside {root}")
    return path


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it into place (blocking)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_job_outputs(root: Path, job_id: str) -> None:
    """Delete a job's output folder, if any (blocking)."""
    if not _ID.match(job_id):
        raise UnsafePath(f"refusing to delete outputs of {job_id!r}")
    shutil.rmtree(root / job_id, ignore_errors=True)
