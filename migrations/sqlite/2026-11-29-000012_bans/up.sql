-- The préfet's bans from premises (art. L.22-11-1 CSI). The person and the places are a JSON
-- document; who may read a ban (the landlord, the circonscription) are columns. Identical on both
-- backends.
CREATE TABLE bans (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    prefecture_id TEXT NOT NULL REFERENCES organisations(id),
    residence_id TEXT NOT NULL REFERENCES residences(id),
    circonscription_code TEXT,
    start_on DATE NOT NULL,
    end_on DATE NOT NULL,
    procureur_informed_on DATE NOT NULL,
    bailleur_acknowledged_at TIMESTAMP,
    police_acknowledged_at TIMESTAMP,
    content TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX bans_org ON bans(org_id, id);
CREATE INDEX bans_circonscription ON bans(circonscription_code, id);
