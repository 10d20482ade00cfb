-- The schema of release 0.1.0, which created its tables with IF NOT EXISTS and kept no version.
-- Applying it to a 0.1.0 data dir changes nothing; applying it to an empty file creates it.
CREATE TABLE IF NOT EXISTS boards (
    id TEXT PRIMARY KEY,
    canvas TEXT NOT NULL,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    created_at REAL NOT NULL,
    finalized_at REAL,
    snapshot_sha256 TEXT,
    predecessor TEXT,
    partners TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS tokens (
    board_id TEXT NOT NULL REFERENCES boards(id),
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    PRIMARY KEY (board_id, role)
);
CREATE TABLE IF NOT EXISTS updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS updates_by_board ON updates (board_id, id);
CREATE TABLE IF NOT EXISTS snapshots (
    board_id TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    upto INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS final_snapshots (
    board_id TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    voter TEXT NOT NULL,
    element_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS votes_by_voter ON votes (board_id, round, voter);
CREATE TABLE IF NOT EXISTS activity (
    board_id TEXT NOT NULL,
    org TEXT NOT NULL,
    step INTEGER NOT NULL,
    updates INTEGER NOT NULL,
    PRIMARY KEY (board_id, org, step)
);
CREATE TABLE IF NOT EXISTS signatures (
    board_id TEXT NOT NULL,
    organisation TEXT NOT NULL,
    name TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    snapshot_sha256 TEXT NOT NULL,
    PRIMARY KEY (board_id, organisation, snapshot_sha256)
);
