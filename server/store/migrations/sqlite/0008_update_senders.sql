-- Who sent each update, beyond the role (issue 11: "role, party or seat"): the partner of a party
-- link (its id), the seat (its id) and, as they were when the update came, the seat's name and
-- organisation, so the history still says who after a seat is removed. NULL for the server's own
-- changes, for connections without a seat and for updates kept before this migration.
ALTER TABLE updates ADD COLUMN party TEXT;
ALTER TABLE updates ADD COLUMN seat TEXT;
ALTER TABLE updates ADD COLUMN person TEXT;
ALTER TABLE updates ADD COLUMN org TEXT;
-- The history list reads these too: keep it served from the index alone.
DROP INDEX updates_history;
CREATE INDEX updates_history ON updates (board_id, id, at, sender, note, party, seat, person, org);
