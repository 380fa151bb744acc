-- The law changes offences: an entry may come into force after the catalogue's date, carry later
-- wordings (JSON list of versions, each from its date), and record its longest prison penalty
-- (months) for the rules that depend on it (composition pénale). Identical on both backends.
ALTER TABLE offences ADD COLUMN max_prison_months BIGINT;
ALTER TABLE offences ADD COLUMN in_force_from DATE;
ALTER TABLE offences ADD COLUMN versions TEXT NOT NULL DEFAULT '[]';
