-- Every update is kept (DESIGN §10): when it arrived and who sent it. Compaction no longer
-- deletes updates; each snapshot it writes is also kept as a checkpoint, so any moment loads
-- from the nearest checkpoint plus the updates after it. Data dirs from 0.1.0 lost their
-- compacted updates: their history starts at the snapshot they had.
ALTER TABLE updates ADD COLUMN at REAL;
ALTER TABLE updates ADD COLUMN sender TEXT;
ALTER TABLE updates ADD COLUMN note TEXT;
CREATE TABLE checkpoints (
    board_id TEXT NOT NULL,
    upto INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (board_id, upto)
);
-- The history list reads time and sender of every update: from this index alone, without
-- stepping over each update's data (stored before these columns in the table's rows).
-- It also serves every lookup the older (board_id, id) index served.
CREATE INDEX updates_history ON updates (board_id, id, at, sender, note);
DROP INDEX updates_by_board;
INSERT INTO checkpoints (board_id, upto, data) SELECT board_id, upto, data FROM snapshots;
