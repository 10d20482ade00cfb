-- Secrets the nodes of one deployment share, one row per use. "bus" seals the entries the
-- nodes pass each other through Redis (server/bus_entries.py): whoever can write to Redis
-- but cannot read this database cannot make an entry the nodes take. The first node that
-- needs a secret stores a random one (server/store/node_secrets.py).
CREATE TABLE node_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
