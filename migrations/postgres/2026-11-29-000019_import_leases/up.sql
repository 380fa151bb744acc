-- Import jobs get an owner (the process running them) and a heartbeat: with several replicas on
-- one database, a process that starts takes over only the jobs whose owner stopped beating, never
-- those another live replica is running.
ALTER TABLE imports ADD COLUMN owner TEXT;
ALTER TABLE imports ADD COLUMN heartbeat_at TIMESTAMP;
CREATE INDEX imports_unfinished ON imports(status, heartbeat_at);
