DROP TABLE pv_incidents;
