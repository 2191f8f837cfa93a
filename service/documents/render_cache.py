"""A rendered ``.docx`` kept in the job's output folder, marked with what it was made from.

A ``.docx`` takes seconds to render from a long text, so one is rendered
once per job, document and version of its inputs: the file a job writes
(``<document>.docx``), and the one a download renders, carry in their zip
comment a digest of everything they were rendered from (the text, the
template's bytes, a ``.docx`` source and its first text, the formats). A
download whose inputs give the same digest is served from the file; a
resume that adds a pass changes the text, hence the digest, and the next
download renders again. The mark lives inside the file, so that a reader
never pairs a file with another file's mark. Readers of ``.docx`` ignore
zip comments. The files go with the job's folder when the job is deleted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from service.documents.outputs import write_atomically
from service.documents.rendering import Rendered, render

log = logging.getLogger(__name__)

# Changes whenever a change of the renderer changes what it writes.
RENDERER_VERSION = b"refiner-docx-1"
_MARK = b"refiner-render:"
_END_OF_CENTRAL_DIRECTORY = b"PK\x05\x06"
_END_RECORD_BYTES = 22  # without its comment


def render_key(
    fmt: str,
    doc_format: str,
    text: str,
    *,
    template: bytes | None,
    source: bytes | None,
    original: str | None,
) -> bytes:
    """A digest of everything a rendered output depends on."""
    digest = hashlib.sha256(RENDERER_VERSION)
    for part in (fmt.encode(), doc_format.encode(), text.encode("utf-8", "surrogatepass")):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    for optional in (template, source, None if original is None else original.encode()):
        if optional is None:
            digest.update(b"-")
        else:
            digest.update(len(optional).to_bytes(8, "big"))
            digest.update(optional)
    return digest.hexdigest().encode()


def marked(data: bytes, key: bytes) -> bytes:
    """``data`` (a zip without a comment) with ``key`` as its comment."""
    comment = _MARK + key
    end = data[-_END_RECORD_BYTES:]
    if end[:4] != _END_OF_CENTRAL_DIRECTORY or end[-2:] != b"\x00\x00":
        return data  # not a zip as written by the renderer: never served from a cache
    return data[:-2] + len(comment).to_bytes(2, "little") + comment


def is_marked(data: bytes, key: bytes) -> bool:
    comment = _MARK + key
    end = len(data) - _END_RECORD_BYTES - len(comment)
    return (
        end >= 0
        and data.endswith(comment)
        and data[end : end + 4] == _END_OF_CENTRAL_DIRECTORY
        and data[end + 20 : end + 22] == len(comment).to_bytes(2, "little")
    )


def read_cached(path: Path, key: bytes) -> bytes | None:
    """The file at ``path`` if it was rendered from inputs of digest ``key`` (blocking)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read %s (%s); rendering it again", path, exc)
        return None
    return data if is_marked(data, key) else None


def keep(path: Path, data: bytes) -> None:
    """Keep a rendered output at ``path`` if its job's folder still exists (blocking).

    A folder that is gone belongs to a deleted job (or one that wrote no
    output): nothing is kept for it. A file that cannot be written is only
    logged: the download is served all the same.
    """
    if not path.parent.is_dir():
        return
    try:
        write_atomically(path, data)
    except OSError as exc:
        log.warning("cannot keep %s (%s)", path, exc)


def render_marked(
    fmt: str,
    doc_format: str,
    text: str,
    *,
    template: bytes | None,
    source: bytes | None,
    original: str | None,
    checkpoint: Callable[[], None] | None = None,
    key: bytes | None = None,
) -> Rendered:
    """``render``, with a ``.docx`` marked by the digest of its inputs (``key``, when the
    caller has already worked it out), so that it can be served again from its file."""
    rendered = render(
        fmt,
        doc_format,
        text,
        source=source,
        template=template,
        original=original,
        checkpoint=checkpoint,
    )
    if fmt != "docx":
        return rendered
    if key is None:
        key = render_key(fmt, doc_format, text, template=template, source=source, original=original)
    return dataclasses.replace(rendered, data=marked(rendered.data, key))
