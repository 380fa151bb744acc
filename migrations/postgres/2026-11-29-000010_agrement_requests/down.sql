DROP INDEX sworn_agents_pending;
ALTER TABLE sworn_agents DROP COLUMN request_pending;
