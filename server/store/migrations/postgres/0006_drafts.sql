-- Private brainstorm: the notes people write hidden, kept here, out of the board document (so
-- no other client receives their text), until the facilitator reveals them all at once.
CREATE TABLE IF NOT EXISTS drafts (
    board_id TEXT NOT NULL,
    id TEXT NOT NULL,
    seat TEXT NOT NULL,
    org TEXT NOT NULL,
    author TEXT NOT NULL,
    guest BOOLEAN NOT NULL,
    text TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (board_id, id)
);
