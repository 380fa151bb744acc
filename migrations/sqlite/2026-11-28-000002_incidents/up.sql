-- Incidents: residences and staff of bailleurs, incidents with their qualifications, and the
-- directory of designated contacts. The PostgreSQL twin is identical.

CREATE TABLE residences (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    external_ref TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    insee_code TEXT NOT NULL REFERENCES communes(insee_code),
    buildings TEXT NOT NULL,
    qpv BOOLEAN NOT NULL,
    guarded_l271_1 BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, external_ref)
);
CREATE INDEX residences_org ON residences(org_id, id);

CREATE TABLE staff (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    external_ref TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    role TEXT NOT NULL,
    sworn_guard BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, external_ref)
);
CREATE INDEX staff_org ON staff(org_id, id);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    residence_id TEXT NOT NULL REFERENCES residences(id),
    building TEXT,
    entrance TEXT,
    common_part TEXT,
    occurred_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    reported_at TIMESTAMP NOT NULL,
    category TEXT NOT NULL,
    narrative TEXT NOT NULL,
    victims TEXT NOT NULL,
    persons TEXT NOT NULL,
    witnesses TEXT NOT NULL,
    evidence TEXT NOT NULL,
    external_ref TEXT,
    request_hash TEXT,
    status TEXT NOT NULL,
    action_kind TEXT,
    insee_code TEXT NOT NULL,
    circonscription_code TEXT,
    shared_with_police BOOLEAN NOT NULL,
    restricted BOOLEAN NOT NULL,
    prescription_date DATE,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, external_ref)
);
CREATE INDEX incidents_org ON incidents(org_id, id);
CREATE INDEX incidents_org_category ON incidents(org_id, category, id);
CREATE INDEX incidents_org_status ON incidents(org_id, status, id);
CREATE INDEX incidents_org_residence ON incidents(org_id, residence_id, id);
CREATE INDEX incidents_org_updated ON incidents(org_id, updated_at);
CREATE INDEX incidents_circonscription ON incidents(circonscription_code, id);

CREATE TABLE incident_qualifications (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    offence_code TEXT NOT NULL REFERENCES offences(code),
    aggravating TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, offence_code)
);
CREATE INDEX incident_qualifications_code ON incident_qualifications(offence_code, incident_id);

CREATE TABLE designations (
    id TEXT PRIMARY KEY NOT NULL,
    role TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    person_id TEXT NOT NULL REFERENCES principals(id),
    substitute_id TEXT REFERENCES principals(id),
    valid_from DATE NOT NULL,
    valid_to DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX designations_scope ON designations(role, org_id, valid_from);
