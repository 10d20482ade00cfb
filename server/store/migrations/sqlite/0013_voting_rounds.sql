-- The board's latest voting round as the server last opened or closed it: its number, and
-- whether it is open (1) or closed (0). The round itself is in the board document
-- (meta.voting); this row is written with it, under the board's lock, so a vote checks the
-- round under that lock with one read instead of loading the document again from the store
-- (server/voting.py). A board without a row (its rounds predate this table, or it came from
-- a board file) is checked against its document, as before.
CREATE TABLE voting_rounds (
    board_id TEXT PRIMARY KEY,
    round INTEGER NOT NULL,
    open INTEGER NOT NULL
);
