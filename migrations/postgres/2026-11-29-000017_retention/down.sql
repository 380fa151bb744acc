DROP TABLE retention_runs;
DROP TABLE anonymisations;
DROP TABLE legal_holds;
