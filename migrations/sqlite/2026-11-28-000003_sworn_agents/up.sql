-- Sworn agents and their procès-verbaux. The PostgreSQL twin is identical.

-- One file per staff member: a person holds one regime at most. The file's history (commission,
-- aptitude, agréments, oath, suspensions, withdrawal) is a JSON document read and written whole;
-- the end of the agrément is a column so that renewals due can be listed.
CREATE TABLE sworn_agents (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    staff_id TEXT NOT NULL UNIQUE REFERENCES staff(id),
    principal_id TEXT UNIQUE REFERENCES principals(id),
    regime TEXT NOT NULL,
    file TEXT NOT NULL,
    agrement_end DATE,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sworn_agents_org ON sworn_agents(org_id, id);
CREATE INDEX sworn_agents_agrement_end ON sworn_agents(org_id, agrement_end);

-- The last PV number given per bailleur and year: incremented in the transaction that inserts the
-- PV, so numbers are gap-free and unique whatever the number of server processes.
CREATE TABLE pv_counters (
    org_id TEXT NOT NULL REFERENCES organisations(id),
    year BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (org_id, year)
);

CREATE TABLE pv_transmissions (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    parquet_id TEXT NOT NULL REFERENCES organisations(id),
    transmitted_on DATE NOT NULL,
    mode TEXT NOT NULL,
    proof_reference TEXT NOT NULL,
    opj TEXT,
    created_by TEXT NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledged_by TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pv_transmissions_org ON pv_transmissions(org_id, id);
CREATE INDEX pv_transmissions_parquet ON pv_transmissions(parquet_id, id);

-- A PV revision. Corrections are new rows with the same number, the next revision and
-- `previous_id`; the corrected row gets `superseded_by`, outside its signed document.
CREATE TABLE pvs (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    agent_id TEXT NOT NULL REFERENCES sworn_agents(id),
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    number TEXT NOT NULL,
    revision BIGINT NOT NULL,
    previous_id TEXT REFERENCES pvs(id),
    superseded_by TEXT,
    status TEXT NOT NULL,
    found_at TIMESTAMP NOT NULL,
    found_on DATE NOT NULL,
    deadline DATE NOT NULL,
    residence_id TEXT NOT NULL REFERENCES residences(id),
    content TEXT NOT NULL,
    signed_at TIMESTAMP,
    signed_by TEXT,
    content_hash TEXT,
    document TEXT,
    transmission_id TEXT REFERENCES pv_transmissions(id),
    transmitted_on DATE,
    void BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, year, seq, revision)
);
CREATE INDEX pvs_org ON pvs(org_id, id);
CREATE INDEX pvs_org_deadline ON pvs(org_id, status, deadline);
CREATE INDEX pvs_agent ON pvs(agent_id, id);
CREATE INDEX pvs_transmission ON pvs(transmission_id);

-- Incidents a PV follows up (also in its document): once the PV reaches the parquet, the parquet
-- sees these incidents.
CREATE TABLE pv_incidents (
    pv_id TEXT NOT NULL REFERENCES pvs(id),
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    PRIMARY KEY (pv_id, incident_id)
);
CREATE INDEX pv_incidents_incident ON pv_incidents(incident_id);
