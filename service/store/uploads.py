"""Uploaded documents, kept as extracted text until a job uses them."""

from __future__ import annotations

import sqlite3

from service.store.records import UploadRecord


def insert_upload(conn: sqlite3.Connection, upload: UploadRecord, text: str) -> None:
    conn.execute(
        "INSERT INTO uploads (id, name, format, bytes, words, text, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            upload.id,
            upload.name,
            upload.format,
            upload.bytes,
            upload.words,
            text,
            upload.created_at,
        ),
    )


def get_upload(conn: sqlite3.Connection, upload_id: str) -> tuple[UploadRecord, str] | None:
    row = conn.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
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
