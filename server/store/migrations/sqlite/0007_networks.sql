-- A home for each regional network: its member organisations and a facilitator key (only its
-- hash kept), and the boards made for it, each with its facilitator token sealed for the key.
CREATE TABLE IF NOT EXISTS networks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    members TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS network_boards (
    network_id TEXT NOT NULL,
    board_id TEXT NOT NULL,
    sealed TEXT NOT NULL,
    PRIMARY KEY (network_id, board_id)
);
