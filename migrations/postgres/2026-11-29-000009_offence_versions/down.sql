ALTER TABLE offences DROP COLUMN versions;
ALTER TABLE offences DROP COLUMN in_force_from;
ALTER TABLE offences DROP COLUMN max_prison_months;
