-- Retention (issue 13): legal holds that suspend a record's end, the records a retention run has
-- anonymised (one row each: a second process anonymising the same record conflicts on the key and
-- rolls back), and the runs themselves. Identical on both backends.
CREATE TABLE legal_holds (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_by_org_id TEXT NOT NULL REFERENCES organisations(id),
    placed_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP,
    released_by TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX legal_holds_record ON legal_holds(record_type, record_id);
CREATE INDEX legal_holds_org ON legal_holds(org_id, id);
CREATE INDEX legal_holds_placer ON legal_holds(placed_by_org_id, id);

CREATE TABLE anonymisations (
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    basis TEXT NOT NULL,
    ended_on DATE NOT NULL,
    run_id TEXT NOT NULL,
    anonymised_at TIMESTAMP NOT NULL,
    PRIMARY KEY (record_type, record_id)
);

-- A scheduled run is claimed once per day (the unique index); a run whose owner stopped beating is
-- taken over and carries on (anonymised records are not examined again).
CREATE TABLE retention_runs (
    id TEXT PRIMARY KEY NOT NULL,
    day DATE NOT NULL,
    scheduled BOOLEAN NOT NULL,
    dry_run BOOLEAN NOT NULL,
    org_id TEXT,
    started_by TEXT NOT NULL,
    owner TEXT NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    examined BIGINT NOT NULL,
    anonymised BIGINT NOT NULL
);
CREATE UNIQUE INDEX retention_runs_daily ON retention_runs(day) WHERE scheduled;
CREATE INDEX retention_runs_started ON retention_runs(started_at, id);
