-- Issue 17, the rest of a network's home. Each network board remembers which member each of
-- its partners is (JSON: partner id -> member id, NULL for boards made before: those took the
-- members in order), the table it was made for (NULL: the whole network), and, for a version
-- made through the board itself, the predecessor whose facilitator token seals its own
-- (NULL: sealed for the network's key).
ALTER TABLE network_boards ADD COLUMN partners TEXT;
ALTER TABLE network_boards ADD COLUMN delegation TEXT;
ALTER TABLE network_boards ADD COLUMN sealed_with TEXT;
CREATE INDEX network_boards_by_board ON network_boards (board_id);
-- The tables (executive, management, operations) with their seats and rotation, and the
-- schedule of the recurring review, both JSON.
ALTER TABLE networks ADD COLUMN tables TEXT;
ALTER TABLE networks ADD COLUMN review TEXT;
-- The network's covenant, one row per version: the boards it was composed of (JSON) and the
-- composed covenant as canonical JSON with its sha256.
CREATE TABLE network_covenants (
    network_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    made_at REAL NOT NULL,
    boards TEXT NOT NULL,
    body BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (network_id, version)
);
