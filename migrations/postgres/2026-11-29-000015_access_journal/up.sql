-- The access journal: every read of personal offence data, with its purpose: one entry per read
-- and organisation, naming the records read (a list's page names each record it returned). One hash chain per
-- organisation whose records are read (`chain`), linked like the audit trail; append-only, purged
-- from its oldest end by the retention rule.
CREATE TABLE access_journal_heads (
    chain TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE access_journal (
    id TEXT PRIMARY KEY NOT NULL,
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    reader TEXT NOT NULL,
    reader_org_id TEXT,
    purpose TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    -- JSON array of the ids read.
    resource_ids TEXT NOT NULL,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX access_journal_by_time ON access_journal (at);
