-- The préfet's injunctions to sue for lease termination (art. L.442-4-3 CCH). What lists filter on
-- are columns; the tenant, the grounds and the links (`content`) and the procedure's dates and
-- answers (`procedure`) are JSON documents. Identical on both backends.
CREATE TABLE injunctions (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    prefecture_id TEXT NOT NULL REFERENCES organisations(id),
    residence_id TEXT REFERENCES residences(id),
    status TEXT NOT NULL,
    next_deadline DATE,
    alerted_deadline DATE,
    content TEXT NOT NULL,
    procedure TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX injunctions_org ON injunctions(org_id, id);
CREATE INDEX injunctions_deadline ON injunctions(next_deadline);

-- Events the préfecture reads (its injunctions): another audience of the feed.
ALTER TABLE events ADD COLUMN for_prefecture BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX events_prefecture ON events(for_prefecture, seq);
