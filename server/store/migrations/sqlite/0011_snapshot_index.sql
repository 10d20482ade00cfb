-- With each snapshot, the index of its document that a room checks client updates against
-- (shared types, deleted content, split characters: see server/doc_index.py), so loading a
-- board walks only the updates stored after the snapshot. NULL where a snapshot has none
-- (those from before this migration, imports, erasures): its load walks the whole document.
ALTER TABLE snapshots ADD COLUMN doc_index BLOB;
