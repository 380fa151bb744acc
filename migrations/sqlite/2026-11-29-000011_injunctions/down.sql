DROP INDEX events_prefecture;
ALTER TABLE events DROP COLUMN for_prefecture;
DROP TABLE injunctions;
