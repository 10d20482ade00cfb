-- As sqlite/0013_voting_rounds.sql: the board's latest voting round as the server last opened
-- or closed it (open 1, closed 0), written with meta.voting under the board's lock, so a vote
-- checks the round under that lock with one read instead of reloading the document. (No
-- semicolons in these comments: the PostgreSQL runner splits statements at each one.)
CREATE TABLE voting_rounds (
    board_id TEXT PRIMARY KEY,
    round INTEGER NOT NULL,
    open INTEGER NOT NULL
);
