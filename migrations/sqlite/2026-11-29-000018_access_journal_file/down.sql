CREATE TABLE main.access_journal_heads (
    chain TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE main.access_journal (
    id TEXT PRIMARY KEY NOT NULL,
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    reader TEXT NOT NULL,
    reader_org_id TEXT,
    purpose TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_ids TEXT NOT NULL,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX main.access_journal_by_time ON access_journal (at);
INSERT INTO main.access_journal_heads SELECT chain, seq, hash FROM journal.access_journal_heads;
INSERT INTO main.access_journal SELECT * FROM journal.access_journal;
DROP TABLE journal.access_journal;
DROP TABLE journal.access_journal_heads;
