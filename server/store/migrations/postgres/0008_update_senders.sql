-- As sqlite/0008_update_senders.sql: with each update, the partner (party link), the seat and
-- the seat's name and organisation as they were then. NULL where unknown. (No semicolons in
-- these comments: the PostgreSQL runner splits statements at each one.)
ALTER TABLE updates ADD COLUMN party TEXT;
ALTER TABLE updates ADD COLUMN seat TEXT;
ALTER TABLE updates ADD COLUMN person TEXT;
ALTER TABLE updates ADD COLUMN org TEXT;
DROP INDEX updates_history;
CREATE INDEX updates_history ON updates (board_id, id) INCLUDE (at, sender, note, party, seat, person, org);
