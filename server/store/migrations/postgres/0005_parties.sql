-- Who speaks for whom: a participant link per partner (party_links), every link's token sealed
-- for the facilitator (sealed_links), the seats people take when they join (votes name a seat),
-- and signatures made with a party's own link, bound to the covenant's hash. Role tokens stay
-- in `tokens`, and signatures from before party links stay in `signatures`.
CREATE TABLE IF NOT EXISTS party_links (
    board_id TEXT NOT NULL,
    party_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    PRIMARY KEY (board_id, party_id)
);
CREATE TABLE IF NOT EXISTS sealed_links (
    board_id TEXT NOT NULL,
    link TEXT NOT NULL,
    sealed TEXT NOT NULL,
    PRIMARY KEY (board_id, link)
);
CREATE TABLE IF NOT EXISTS seats (
    board_id TEXT NOT NULL,
    id TEXT NOT NULL,
    link TEXT NOT NULL,
    name TEXT NOT NULL,
    org TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (board_id, id)
);
CREATE TABLE IF NOT EXISTS party_signatures (
    board_id TEXT NOT NULL,
    party_id TEXT NOT NULL,
    party_name TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    covenant_sha256 TEXT NOT NULL,
    PRIMARY KEY (board_id, party_id, covenant_sha256)
);
CREATE UNIQUE INDEX IF NOT EXISTS party_signatures_by_name
    ON party_signatures (board_id, covenant_sha256, name_key);
