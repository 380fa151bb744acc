ALTER TABLE journal.access_journal SET SCHEMA public;
ALTER TABLE journal.access_journal_heads SET SCHEMA public;
DROP SCHEMA journal;
