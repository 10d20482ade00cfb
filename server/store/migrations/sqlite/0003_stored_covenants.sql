-- The covenant is built once, at finalize, and kept as canonical JSON (DESIGN §9): a board's
-- own covenant (board_id set) or a combined covenant of several boards (board_id NULL).
-- The same covenant can belong to two boards: a board file imported twice keeps its hash.
CREATE TABLE covenants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    board_id TEXT UNIQUE,
    body BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX covenants_by_hash ON covenants (sha256);
ALTER TABLE boards ADD COLUMN covenant_sha256 TEXT;
-- A signature binds the covenant it signed (NULL for signatures made before covenants were
-- stored: those bind the snapshot, as they did).
ALTER TABLE signatures ADD COLUMN covenant_sha256 TEXT;
