DROP TABLE designations;
DROP TABLE incident_qualifications;
DROP TABLE incidents;
DROP TABLE staff;
DROP TABLE residences;
