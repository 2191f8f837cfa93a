"""Uploaded documents, kept as extracted text until a job uses them."""

from __future__ import annotations

import sqlite3

from service.store.records import UploadRecord


def insert_upload(
    conn: sqlite3.Connection, upload: UploadRecord, text: str, source: bytes | None
) -> None:
    conn.execute(
        "INSERT INTO uploads (id, name, format, bytes, words, text, created_at, source)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (
            upload.id,
            upload.name,
            upload.format,
            upload.bytes,
            upload.words,
            text,
            upload.created_at,
            source,
        ),
    )


def get_upload_source(conn: sqlite3.Connection, upload_id: str) -> bytes | None:
    row = conn.execute("SELECT source FROM uploads WHERE id = ?", (upload_id,)).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def get_upload(conn: sqlite3.Connection, upload_id: str) -> tuple[UploadRecord, str] | None:
    row = conn.execute(
        "SELECT id, name, format, bytes, words, text, created_at FROM uploads WHERE id = ?",
        (upload_id,),
    ).fetchone()
    if row is None:
        return None
    record = UploadRecord(
        id=row["id"],
        name=row["name"],
        format=row["format"],
        bytes=row["bytes"],
        words=row["words"],
        created_at=row["created_at"],
    )
    return record, row["text"]
