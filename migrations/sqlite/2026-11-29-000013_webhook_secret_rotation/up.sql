-- Secret rotation with a grace period: after a rotation the previous secret still signs every
-- delivery beside the new one until it expires, so a receiver can switch without losing any.
ALTER TABLE webhook_subscriptions ADD COLUMN previous_secret TEXT;
ALTER TABLE webhook_subscriptions ADD COLUMN previous_secret_expires_at TIMESTAMP;
