-- As sqlite/0012_node_secrets.sql: secrets the nodes of one deployment share, one row per
-- use ("bus" seals the entries the nodes pass each other through Redis). (No semicolons in
-- these comments: the PostgreSQL runner splits statements at each one.)
CREATE TABLE node_secrets (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
