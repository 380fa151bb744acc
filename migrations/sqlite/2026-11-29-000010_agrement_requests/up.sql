-- Whether a sworn agent's file has a request for an agrément awaiting the préfet's decision (kept in
-- step with the file by every write): the préfecture lists the pending requests. Identical on both
-- backends.
ALTER TABLE sworn_agents ADD COLUMN request_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX sworn_agents_pending ON sworn_agents(request_pending, id);
