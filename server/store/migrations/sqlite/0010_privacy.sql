-- Privacy on a network's boards (issue 17): how many months names are kept on its boards
-- (no row: kept as long as the board), and a record of every redaction of a board (when, why,
-- what was changed and the hashes before and after). The record never holds a name.
CREATE TABLE IF NOT EXISTS network_retention (
    network_id TEXT PRIMARY KEY,
    months INTEGER NOT NULL,
    set_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS redactions (
    board_id TEXT NOT NULL,
    at REAL NOT NULL,
    reason TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS redactions_by_board ON redactions (board_id, at);
