//! Every setting of the server, each an environment variable (or the matching flag).

use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct Settings {
    /// Database: unset → embedded SQLite at ./data/vigie.db; sqlite://PATH; postgres://USER@HOST/DB.
    #[arg(long, env = "VIGIE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Address and port to listen on.
    /// The URL clients reach the API at (e.g. `https://vigie.example.org`), behind any proxy:
    /// problem `type` URIs are absolute under it. Unset: they are paths on this server.
    #[arg(long, env = "VIGIE_PUBLIC_URL")]
    pub public_url: Option<String>,

    #[arg(long, env = "VIGIE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Folder for the generated JWT secret (and the default SQLite file).
    #[arg(long, env = "VIGIE_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Maximum database connections per process.
    #[arg(long, env = "VIGIE_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: u32,
    /// Seconds to wait for a database connection before answering 503.
    #[arg(long, env = "VIGIE_DB_TIMEOUT_SECS", default_value_t = 5)]
    pub db_timeout_secs: u64,
    /// SQLite only: milliseconds a statement waits for another connection's lock before failing (503).
    #[arg(long, env = "VIGIE_SQLITE_BUSY_TIMEOUT_MS", default_value_t = 10_000)]
    pub sqlite_busy_timeout_ms: u64,
    /// HS256 signing secret for Vigie's own tokens (at least 32 bytes). Unset → generated once and
    /// kept in VIGIE_DATA_DIR/jwt-secret. Every replica must share it.
    #[arg(long, env = "VIGIE_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Public key (PEM text, or a path to a PEM file) of an external identity provider whose RS256 or
    /// ES256 tokens are accepted too.
    #[arg(long, env = "VIGIE_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<String>,
    /// `iss` of Vigie's own tokens.
    #[arg(long, env = "VIGIE_JWT_ISSUER", default_value = "vigie")]
    pub jwt_issuer: String,
    /// `aud` every accepted token must carry.
    #[arg(long, env = "VIGIE_JWT_AUDIENCE", default_value = "vigie-api")]
    pub jwt_audience: String,
    /// `iss` of the external identity provider's tokens (default: VIGIE_JWT_ISSUER).
    #[arg(long, env = "VIGIE_JWT_EXTERNAL_ISSUER")]
    pub jwt_external_issuer: Option<String>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, env = "VIGIE_TOKEN_TTL_SECS", default_value_t = 3600)]
    pub token_ttl_secs: i64,
    /// How old, in seconds, a process's copy of the token revocations may get: a token revoked on
    /// another replica is refused here within this delay (at once on the replica that revoked it).
    #[arg(long, env = "VIGIE_REVOCATION_REFRESH_SECS", default_value_t = 2)]
    pub revocation_refresh_secs: u64,
    /// Consecutive failed password logins allowed to one account before it is locked (0: no
    /// per-account brake).
    #[arg(long, env = "VIGIE_LOGIN_FREE_FAILURES", default_value_t = 5)]
    pub login_free_failures: i64,
    /// The first lock of an account, in seconds; it doubles with each further failure.
    #[arg(long, env = "VIGIE_LOGIN_LOCK_SECS", default_value_t = 30)]
    pub login_lock_secs: u64,
    /// The longest lock of an account, in seconds.
    #[arg(long, env = "VIGIE_LOGIN_MAX_LOCK_SECS", default_value_t = 900)]
    pub login_max_lock_secs: u64,
    /// Largest JSON body, in bytes (413 above).
    #[arg(long, env = "VIGIE_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// Largest CSV upload, in bytes (413 above).
    #[arg(long, env = "VIGIE_MAX_IMPORT_BYTES", default_value_t = 67_108_864)]
    pub max_import_bytes: usize,
    /// Sustained requests per second allowed to one principal (0 disables the limit).
    #[arg(long, env = "VIGIE_RATE_LIMIT_PER_SECOND", default_value_t = 50)]
    pub rate_limit_per_second: u32,
    /// Burst allowed above the sustained rate.
    #[arg(long, env = "VIGIE_RATE_LIMIT_BURST", default_value_t = 100)]
    pub rate_limit_burst: u32,
    /// Token requests per second allowed from one client address (password guessing brake).
    #[arg(long, env = "VIGIE_TOKEN_RATE_LIMIT_PER_SECOND", default_value_t = 5)]
    pub token_rate_limit_per_second: u32,
    /// Browser origins allowed by CORS, comma-separated (none by default).
    #[arg(long, env = "VIGIE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// HTTP worker threads (default: one per CPU).
    #[arg(long, env = "VIGIE_WORKERS")]
    pub workers: Option<usize>,
    /// Seconds that requests in flight get to finish after SIGTERM.
    #[arg(long, env = "VIGIE_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,
    /// client_id of the first platform admin API client (automated deployments).
    #[arg(long, env = "VIGIE_BOOTSTRAP_CLIENT_ID")]
    pub bootstrap_client_id: Option<String>,
    /// Its secret (at least 16 characters).
    #[arg(long, env = "VIGIE_BOOTSTRAP_CLIENT_SECRET", hide_env_values = true)]
    pub bootstrap_client_secret: Option<String>,
    /// How often the webhook worker looks for new events and due deliveries, in milliseconds.
    #[arg(long, env = "VIGIE_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,
    /// First retry delay of a failed delivery, in milliseconds; it doubles at each attempt (capped
    /// at one hour).
    #[arg(long, env = "VIGIE_WEBHOOK_RETRY_BASE_MS", default_value_t = 30_000)]
    pub webhook_retry_base_ms: u64,
    /// How long a failing delivery is retried before it is marked failed, in hours.
    #[arg(long, env = "VIGIE_WEBHOOK_RETRY_WINDOW_HOURS", default_value_t = 26)]
    pub webhook_retry_window_hours: u64,
    /// Let webhooks target loopback, private and link-local addresses (an ERP on the same private
    /// network, tests). Off by default: such URLs are refused at subscription and at delivery.
    #[arg(long, env = "VIGIE_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
    /// Days the access journal keeps an entry (1 to 1095); the housekeeping purges older ones.
    #[arg(long, env = "VIGIE_ACCESS_JOURNAL_RETENTION_DAYS", default_value_t = 365,
        value_parser = clap::value_parser!(u32).range(1..=1095))]
    pub access_journal_retention_days: u32,

    /// Journal reads of personal offence data. Only `make bench` turns it off, to measure its cost:
    /// a deployment keeps it on (GDPR art. 10).
    #[arg(long, env = "VIGIE_ACCESS_JOURNAL", default_value_t = true, action = clap::ArgAction::Set, hide = true)]
    pub access_journal: bool,

    /// Time-out of one delivery request, in seconds.
    #[arg(long, env = "VIGIE_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    pub webhook_timeout_secs: u64,

    /// How long, in seconds, the process running an import may stay silent before another takes
    /// the job over and marks it interrupted (1 to 3600). Each process beats for its running jobs
    /// every quarter of it.
    #[arg(long, env = "VIGIE_JOB_LEASE_SECS", default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub job_lease_secs: u64,
}
