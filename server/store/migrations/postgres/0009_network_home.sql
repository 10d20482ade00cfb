-- As sqlite/0009_network_home.sql: per network board its partners' members, its table and the
-- predecessor sealing its facilitator token, per network its tables and review schedule, and
-- the versions of the network's covenant. (No semicolons in these comments: the PostgreSQL
-- runner splits statements at each one.)
ALTER TABLE network_boards ADD COLUMN partners TEXT;
ALTER TABLE network_boards ADD COLUMN delegation TEXT;
ALTER TABLE network_boards ADD COLUMN sealed_with TEXT;
CREATE INDEX network_boards_by_board ON network_boards (board_id);
ALTER TABLE networks ADD COLUMN tables TEXT;
ALTER TABLE networks ADD COLUMN review TEXT;
CREATE TABLE network_covenants (
    network_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    made_at DOUBLE PRECISION NOT NULL,
    boards TEXT NOT NULL,
    body BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (network_id, version)
);
