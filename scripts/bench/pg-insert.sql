-- pgbench: the same single row that POST /api/v1/incidents inserts, one transaction each.
INSERT INTO incidents (id, org_id, residence_id, occurred_at, reported_at, category, narrative, victims, persons, witnesses, evidence, status, insee_code, circonscription_code, shared_with_police, restricted, version, created_at, updated_at)
VALUES (gen_random_uuid()::text, ':org', ':res', now(), now(), 'dumping', 'Dépôt sauvage devant le local poubelles.', '[]', '[]', '[]', '[]', 'reported', '92050', 'CSP-92050', false, false, 1, now(), now());
