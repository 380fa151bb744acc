DROP TABLE notifications;
DROP TABLE complaints;
