-- As sqlite/0003_stored_covenants.sql: covenants kept as canonical JSON from finalize on.
CREATE TABLE covenants (
    id BIGSERIAL PRIMARY KEY,
    sha256 TEXT NOT NULL,
    board_id TEXT UNIQUE,
    body BYTEA NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX covenants_by_hash ON covenants (sha256);
ALTER TABLE boards ADD COLUMN covenant_sha256 TEXT;
ALTER TABLE signatures ADD COLUMN covenant_sha256 TEXT;
