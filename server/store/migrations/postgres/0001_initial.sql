-- The schema of 0.1.0 (as server/store/migrations/sqlite/0001_initial.sql), in PostgreSQL types:
-- BYTEA for updates and snapshots, BIGSERIAL ids, DOUBLE PRECISION times.
CREATE TABLE boards (
    id TEXT PRIMARY KEY,
    canvas TEXT NOT NULL,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    created_at DOUBLE PRECISION NOT NULL,
    finalized_at DOUBLE PRECISION,
    snapshot_sha256 TEXT,
    predecessor TEXT,
    partners TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE tokens (
    board_id TEXT NOT NULL REFERENCES boards(id),
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    PRIMARY KEY (board_id, role)
);
CREATE TABLE updates (
    id BIGSERIAL PRIMARY KEY,
    board_id TEXT NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX updates_by_board ON updates (board_id, id);
CREATE TABLE snapshots (
    board_id TEXT PRIMARY KEY,
    data BYTEA NOT NULL,
    upto BIGINT NOT NULL
);
CREATE TABLE final_snapshots (
    board_id TEXT PRIMARY KEY,
    data BYTEA NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE votes (
    id BIGSERIAL PRIMARY KEY,
    board_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    voter TEXT NOT NULL,
    element_id TEXT NOT NULL
);
CREATE INDEX votes_by_voter ON votes (board_id, round, voter);
CREATE TABLE activity (
    board_id TEXT NOT NULL,
    org TEXT NOT NULL,
    step INTEGER NOT NULL,
    updates BIGINT NOT NULL,
    PRIMARY KEY (board_id, org, step)
);
CREATE TABLE signatures (
    board_id TEXT NOT NULL,
    organisation TEXT NOT NULL,
    name TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    snapshot_sha256 TEXT NOT NULL,
    PRIMARY KEY (board_id, organisation, snapshot_sha256)
);
