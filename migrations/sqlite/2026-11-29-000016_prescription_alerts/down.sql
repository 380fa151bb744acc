DROP INDEX incidents_by_prescription;
DROP TABLE prescription_alerts;
