DROP TABLE complaint_incidents;
