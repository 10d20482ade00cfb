-- The covenant is built once, at finalize, and kept as canonical JSON (DESIGN §9): a board's
-- own covenant (board_id set) or a combined covenant of several boards (board_id NULL).
CREATE TABLE covenants (
    sha256 TEXT PRIMARY KEY,
    board_id TEXT UNIQUE,
    body BLOB NOT NULL,
    created_at REAL NOT NULL
);
ALTER TABLE boards ADD COLUMN covenant_sha256 TEXT;
-- A signature binds the covenant it signed (NULL for signatures made before covenants were
-- stored: those bind the snapshot, as they did).
ALTER TABLE signatures ADD COLUMN covenant_sha256 TEXT;
