-- Complaints with their lifecycle and TADPR track, and the notifications sent to designated
-- contacts. The SQLite twin is identical.

-- The pre-filled content (facts, place, victims, suspects, evidence, damages) is one JSON document;
-- what lists filter on and what the lifecycle changes are columns.
CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    circonscription_code TEXT,
    parquet_id TEXT REFERENCES organisations(id),
    incident_ids TEXT NOT NULL,
    qualifications TEXT NOT NULL,
    content TEXT NOT NULL,
    orientation TEXT,
    with_reparation BOOLEAN NOT NULL,
    receipt TEXT,
    tadpr TEXT NOT NULL,
    filed_at TIMESTAMP,
    registered_at TIMESTAMP,
    transmitted_at TIMESTAMP,
    oriented_at TIMESTAMP,
    outcome_at TIMESTAMP,
    closed_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX complaints_org ON complaints(org_id, id);
CREATE INDEX complaints_circonscription ON complaints(circonscription_code, id);
CREATE INDEX complaints_parquet ON complaints(parquet_id, id);

-- The incidents of a complaint (also in its content): the parquet sees them once the complaint is
-- before it.
CREATE TABLE complaint_incidents (
    complaint_id TEXT NOT NULL REFERENCES complaints(id),
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    PRIMARY KEY (complaint_id, incident_id)
);
CREATE INDEX complaint_incidents_incident ON complaint_incidents(incident_id);

-- A recorded event addressed to a designated contact (and readable by their organisation).
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    recipient_org_id TEXT NOT NULL REFERENCES organisations(id),
    recipient_person_id TEXT,
    contact_role TEXT NOT NULL,
    event_type TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_recipient ON notifications(recipient_org_id, id);
CREATE INDEX notifications_resource ON notifications(resource_id);
