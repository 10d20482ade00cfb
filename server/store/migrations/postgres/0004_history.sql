-- As sqlite/0004_history.sql: every update kept with its time and sender, snapshots kept as
-- checkpoints. Compaction here folds rows that may have committed out of id order (several
-- nodes), so instead of deleting them it marks them folded. Loading a board reads the snapshot
-- and the rows not yet folded, the history reads every row. (No semicolons in these comments:
-- the PostgreSQL runner splits statements at each one.)
ALTER TABLE updates ADD COLUMN at DOUBLE PRECISION;
ALTER TABLE updates ADD COLUMN sender TEXT;
ALTER TABLE updates ADD COLUMN note TEXT;
ALTER TABLE updates ADD COLUMN folded BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX updates_not_folded ON updates (board_id, id) WHERE NOT folded;
CREATE INDEX updates_history ON updates (board_id, id) INCLUDE (at, sender, note);
DROP INDEX updates_by_board;
CREATE TABLE checkpoints (
    board_id TEXT NOT NULL,
    upto BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (board_id, upto)
);
INSERT INTO checkpoints (board_id, upto, data) SELECT board_id, upto, data FROM snapshots;
