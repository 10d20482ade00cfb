-- As sqlite/0011_snapshot_index.sql: with each snapshot, the index of its document that a room
-- checks client updates against. NULL where a snapshot has none (its load walks the whole
-- document). (No semicolons in these comments: the PostgreSQL runner splits statements at
-- each one.)
ALTER TABLE snapshots ADD COLUMN doc_index BYTEA;
