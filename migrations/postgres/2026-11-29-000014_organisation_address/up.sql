-- The postal address of an organisation: the sender and recipient of the printed documents
-- (a bailleur's head office, the parquet's address).
ALTER TABLE organisations ADD COLUMN address TEXT;
