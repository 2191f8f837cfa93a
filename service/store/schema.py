"""The SQLite schema, as migrations applied in order; never edit a released one."""

from __future__ import annotations

_V1 = """
CREATE TABLE IF NOT EXISTS jobs (
    id              TEXT PRIMARY KEY,
    name            TEXT,
    status          TEXT NOT NULL,
    engine          TEXT NOT NULL,
    model           TEXT,
    passes          INTEGER NOT NULL,
    strategies      TEXT NOT NULL,     -- JSON list, one per pass
    options         TEXT NOT NULL,     -- JSON object: rules, stop_when_unchanged, ...
    output_format   TEXT,
    idempotency_key TEXT UNIQUE,
    created_at      REAL NOT NULL,
    started_at      REAL,
    finished_at     REAL,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    -- Transient events (never logged) may have used seqs up to here; after a
    -- crash the job's next event comes after both.
    seq_reserved    INTEGER NOT NULL DEFAULT 0,
    error           TEXT,              -- JSON object of the terminal error, if any
    outputs         TEXT               -- JSON list, set when the job succeeds
);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_by_finished ON jobs (finished_at);

CREATE TABLE IF NOT EXISTS transitions (
    job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    status  TEXT NOT NULL,
    at      REAL NOT NULL,
    reason  TEXT
);
CREATE INDEX IF NOT EXISTS transitions_by_job ON transitions (job_id, at);

CREATE TABLE IF NOT EXISTS uploads (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    format      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    words       INTEGER NOT NULL,
    text        TEXT NOT NULL,
    created_at  REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS documents (
    id          TEXT PRIMARY KEY,
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    format      TEXT NOT NULL,
    upload_id   TEXT,
    UNIQUE (job_id, position)
);

CREATE TABLE IF NOT EXISTS versions (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    pass        INTEGER NOT NULL,
    strategy    TEXT,
    engine      TEXT,
    changed     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    metrics     TEXT NOT NULL,         -- JSON object
    edits       TEXT NOT NULL,         -- JSON list of explained edits
    created_at  REAL NOT NULL,
    PRIMARY KEY (document_id, pass)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS events (
    job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    type    TEXT NOT NULL,
    body    BLOB NOT NULL,             -- the envelope exactly as sent
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
"""

# Figures for analytics, kept narrow so that summaries never read texts. The
# indexes cover their queries (every column a query reads is in the index),
# so a summary walks indexes and never the tables.
_V2 = """
ALTER TABLE jobs ADD COLUMN duration_ms REAL;
ALTER TABLE jobs ADD COLUMN documents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN words INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS jobs_by_duration ON jobs (duration_ms, created_at);
CREATE INDEX IF NOT EXISTS jobs_sizes ON jobs (created_at, documents, words);

CREATE TABLE IF NOT EXISTS pass_stats (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    pass        INTEGER NOT NULL,
    job_id      TEXT NOT NULL,
    strategy    TEXT NOT NULL,
    engine      TEXT NOT NULL,
    model       TEXT,
    changed     INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    tokens_in   INTEGER NOT NULL DEFAULT 0,
    tokens_out  INTEGER NOT NULL DEFAULT 0,
    cost        REAL NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    PRIMARY KEY (document_id, pass)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pass_stats_by_duration ON pass_stats (duration_ms, created_at);
CREATE INDEX IF NOT EXISTS pass_stats_by_strategy
    ON pass_stats (strategy, duration_ms, created_at, changed);
-- Only passes that ran on a model have usage to sum.
CREATE INDEX IF NOT EXISTS pass_stats_by_model
    ON pass_stats (model, created_at, tokens_in, tokens_out, cost) WHERE model IS NOT NULL;
"""

# The original bytes of .docx documents: the refined text goes back into them.
_V3 = """
ALTER TABLE uploads ADD COLUMN source BLOB;
ALTER TABLE documents ADD COLUMN source BLOB;
"""

# A job's document keeps the upload it was made from (documents.upload_id, since
# the first version); this index finds the documents of an upload, so that an
# upload's id can stand for the one document made from it.
_V4 = """
CREATE INDEX IF NOT EXISTS documents_by_upload ON documents (upload_id, job_id)
    WHERE upload_id IS NOT NULL;
"""

MIGRATIONS = (_V1, _V2, _V3, _V4)
SCHEMA_VERSION = len(MIGRATIONS)
