-- As sqlite/0010_privacy.sql: the months a network keeps names on its boards, and the record
-- of every redaction of a board (never a name). (No semicolons in these comments: the
-- PostgreSQL runner splits statements at each one.)
CREATE TABLE IF NOT EXISTS network_retention (
    network_id TEXT PRIMARY KEY,
    months INTEGER NOT NULL,
    set_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS redactions (
    board_id TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS redactions_by_board ON redactions (board_id, at);
