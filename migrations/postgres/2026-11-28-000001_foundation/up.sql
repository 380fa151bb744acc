-- Foundation: organisations, principals, reference data, offence catalogue, audit trail, idempotency.
-- The SQLite twin of this file has the same tables; only column types differ.

CREATE TABLE circonscriptions (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    reliability TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    siren TEXT UNIQUE,
    circonscription_code TEXT REFERENCES circonscriptions(code),
    contact_email TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- People (login + password) and API clients (client_id + secret) share one table: both are principals
-- of one organisation with roles; `kind` tells them apart.
CREATE TABLE principals (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    secret_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX principals_org ON principals(org_id, kind, id);

CREATE TABLE communes (
    insee_code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    postal_code TEXT NOT NULL
);


CREATE TABLE commune_circonscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    insee_code TEXT NOT NULL REFERENCES communes(insee_code),
    circonscription_code TEXT NOT NULL REFERENCES circonscriptions(code),
    valid_from DATE NOT NULL,
    valid_to DATE,
    reliability TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (insee_code, valid_from)
);

CREATE TABLE offences (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    defining_articles TEXT NOT NULL,
    penalty_articles TEXT NOT NULL,
    nature TEXT NOT NULL,
    contravention_class INTEGER,
    natinf INTEGER UNIQUE,
    max_penalty TEXT,
    cmsp_limb BOOLEAN NOT NULL,
    tadpr_eligible BOOLEAN NOT NULL,
    app_excluded BOOLEAN NOT NULL,
    regime_b_allowed BOOLEAN NOT NULL,
    afd_available BOOLEAN NOT NULL,
    reliability TEXT NOT NULL,
    note TEXT,
    source TEXT NOT NULL,
    catalogue_version TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    search_text TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE reference_versions (
    name TEXT PRIMARY KEY NOT NULL,
    version TEXT NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_chain_heads (
    chain TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    actor_org_id TEXT,
    org_id TEXT,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    request_id TEXT,
    state_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX audit_events_org ON audit_events(org_id, at);
CREATE INDEX audit_events_resource ON audit_events(resource_type, resource_id);

CREATE TABLE idempotency_keys (
    principal TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, idem_key)
);

-- The platform's own chain (changes that belong to no organisation) exists from the start, so that
-- extending it never races to create it.
INSERT INTO audit_chain_heads (chain, seq, hash) VALUES ('platform', 0, '0000000000000000000000000000000000000000000000000000000000000000');
