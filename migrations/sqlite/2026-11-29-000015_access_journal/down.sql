DROP TABLE access_journal;
DROP TABLE access_journal_heads;
