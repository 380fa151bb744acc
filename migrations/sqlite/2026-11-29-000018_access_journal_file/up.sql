-- The access journal moves to its own database file, attached to every connection as `journal`
-- (`<database>-access-journal.db` beside the main file). Every read of personal data writes an
-- entry; in the main file each of those commits would make every other connection drop its page
-- cache of the main file, and reads would pay for the journal many times over. In its own file it
-- costs the reads only its own write.
--
-- IF NOT EXISTS and OR IGNORE: in WAL mode a transaction over two files is atomic per file, so a
-- crash while this commits can leave the copy done and the originals in place; running it again
-- finishes the move.
CREATE TABLE IF NOT EXISTS journal.access_journal_heads (
    chain TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS journal.access_journal (
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
CREATE INDEX IF NOT EXISTS journal.access_journal_by_time ON access_journal (at);

INSERT OR IGNORE INTO journal.access_journal_heads SELECT chain, seq, hash FROM main.access_journal_heads;
INSERT OR IGNORE INTO journal.access_journal
    SELECT id, chain, seq, at, reader, reader_org_id, purpose, resource_type, resource_ids, request_id, prev_hash, hash
    FROM main.access_journal;
DROP TABLE main.access_journal;
DROP TABLE main.access_journal_heads;
