DROP TABLE pvs;
DROP TABLE pv_transmissions;
DROP TABLE pv_counters;
DROP TABLE sworn_agents;
