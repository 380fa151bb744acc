ALTER TABLE organisations DROP COLUMN address;
