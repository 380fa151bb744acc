-- Token revocation and the per-account login brake. The twin migration of the other backend is
-- identical.

-- What makes already-issued tokens invalid. Every process reads the live rows every few seconds;
-- a row stops mattering once every token it concerns has expired (`expires_at`).
CREATE TABLE token_revocations (
    id TEXT PRIMARY KEY NOT NULL,
    -- `principal` (subject: the token's `sub`), `organisation` (subject: its id) or `token`
    -- (subject: the token's `jti`).
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- principal scope: Vigie tokens carrying a `ver` below this are refused.
    below_version BIGINT,
    -- Tokens without `ver` (an identity provider's) issued at or before this second are refused.
    revoked_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX token_revocations_expiry ON token_revocations(expires_at);

-- Consecutive failed logins per account name (whether it exists or not).
CREATE TABLE login_failures (
    login_key TEXT PRIMARY KEY NOT NULL,
    failures BIGINT NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
