-- The prescription alerts already given: an incident crossing 90, 60 then 30 days before the
-- prescription of the public action, with no complaint and no PV, is announced once per threshold.
CREATE TABLE prescription_alerts (
    incident_id TEXT NOT NULL,
    threshold_days INTEGER NOT NULL,
    alerted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, threshold_days)
);
CREATE INDEX incidents_by_prescription ON incidents (prescription_date);
