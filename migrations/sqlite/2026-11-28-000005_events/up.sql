-- The change feed: every change partners may follow, numbered by one counter row that each writing
-- transaction increments just before it commits. The row stays locked until commit, so numbers are
-- given in commit order: a reader that saw event N has already seen every event before N (no gap
-- appears later). The PostgreSQL twin is identical.
CREATE TABLE event_counter (
    id BIGINT PRIMARY KEY NOT NULL,
    last_seq BIGINT NOT NULL
);
INSERT INTO event_counter (id, last_seq) VALUES (1, 0);

-- Who may read an event is stored with it: the owning bailleur, the police circonscription and the
-- parquet it concerns (when it does), and whether it is restricted to the bailleur's correspondent.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY NOT NULL,
    id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    circonscription_code TEXT,
    parquet_id TEXT,
    restricted BOOLEAN NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_org ON events(org_id, seq);
CREATE INDEX events_circonscription ON events(circonscription_code, seq);
CREATE INDEX events_parquet ON events(parquet_id, seq);
