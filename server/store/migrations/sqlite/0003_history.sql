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
INSERT INTO checkpoints (board_id, upto, data) SELECT board_id, upto, data FROM snapshots;
