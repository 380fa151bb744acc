-- The access journal gets a schema of its own, `journal`, as on SQLite where it is a file of its
-- own attached under that name: one name for the tables on both backends.
CREATE SCHEMA IF NOT EXISTS journal;
ALTER TABLE access_journal SET SCHEMA journal;
ALTER TABLE access_journal_heads SET SCHEMA journal;
