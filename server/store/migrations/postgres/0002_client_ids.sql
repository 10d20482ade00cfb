-- Which link (token hash) first wrote with a Yjs client id on a board: an update under an id
-- that belongs to another link is refused (server/client_ids.py).
CREATE TABLE client_ids (
    board_id TEXT NOT NULL,
    client_id BIGINT NOT NULL,
    link TEXT NOT NULL,
    PRIMARY KEY (board_id, client_id)
);
