//! Start-up: open and migrate the database, load reference data, create the first platform admin,
//! and build the application state.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use actix_web::web;
use vigie_api::auth::{ExternalKey, TokenKeys};
use vigie_api::ops::PoolCollector;
use vigie_api::rate_limit::RateLimiter;
use vigie_api::{AppState, Limits};
use vigie_domain::{OrgKind, Role};
use vigie_store::audit::Actor;
use vigie_store::credentials::random_token;
use vigie_store::organisations::{self, NewOrganisation};
use vigie_store::principals::{self, NewPrincipal, PrincipalKind};
use vigie_store::{DatabaseUrl, PoolOptions, Store, StoreError, seed};

use crate::settings::Settings;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    App(Box<vigie_app::AppError>),
}

impl From<vigie_app::AppError> for StartError {
    fn from(e: vigie_app::AppError) -> Self {
        Self::App(Box::new(e))
    }
}

/// Opens the database named by the settings and applies pending migrations.
pub fn open_store(s: &Settings) -> Result<Store, StartError> {
    let url = DatabaseUrl::parse(s.database_url.as_deref())
        .map_err(|e| StartError::Config(format!("VIGIE_DATABASE_URL: {e}")))?;
    let opts = PoolOptions {
        max_size: s.db_pool_size.max(1),
        connection_timeout: Duration::from_secs(s.db_timeout_secs.max(1)),
        sqlite_busy_timeout: Duration::from_millis(s.sqlite_busy_timeout_ms),
    };
    log::info!("database: {}", url.redacted());
    Ok(Store::open(&url, &opts)?)
}

/// Loads the reference data not loaded yet.
pub fn load_reference(store: &Store) -> Result<(), StartError> {
    let report = store.write(seed::load_reference_data)?;
    for item in report.loaded {
        log::info!("reference data loaded: {item}");
    }
    Ok(())
}

/// Credentials of the first platform admin, when this start created it.
pub struct Bootstrap {
    pub client_id: String,
    pub client_secret: Option<String>,
}

/// On the very first start (no platform admin yet), creates the platform operator organisation and
/// one platform admin API client: with the configured credentials, or generated ones.
pub fn bootstrap_admin(store: &Store, s: &Settings) -> Result<Option<Bootstrap>, StartError> {
    let configured =
        match (&s.bootstrap_client_id, &s.bootstrap_client_secret) {
            (Some(id), Some(secret)) => {
                if secret.len() < 16 {
                    return Err(StartError::Config(
                        "VIGIE_BOOTSTRAP_CLIENT_SECRET must have at least 16 characters".into(),
                    ));
                }
                Some((id.clone(), secret.clone()))
            }
            (None, None) => None,
            _ => return Err(StartError::Config(
                "set both VIGIE_BOOTSTRAP_CLIENT_ID and VIGIE_BOOTSTRAP_CLIENT_SECRET, or neither"
                    .into(),
            )),
        };
    Ok(store.write(|conn| {
        if organisations::platform_admin_exists(conn)? {
            return Ok(None);
        }
        let actor = Actor::system();
        let org = match organisations::find_by_kind(conn, OrgKind::PlatformOperator)? {
            Some(o) => o,
            None => organisations::create(
                conn,
                &actor,
                NewOrganisation {
                    kind: OrgKind::PlatformOperator,
                    name: "Vigie platform operator".into(),
                    siren: None,
                    circonscription_code: None,
                    contact_email: None,
                    address: None,
                },
            )?,
        };
        let generated = configured.is_none();
        let (client_id, secret) = configured
            .clone()
            .unwrap_or_else(|| (format!("vg_{}", random_token(12)), random_token(32)));
        principals::create(
            conn,
            &actor,
            NewPrincipal {
                kind: PrincipalKind::ApiClient,
                org_id: org.id,
                login: client_id.clone(),
                display_name: "Bootstrap platform admin".into(),
                email: None,
                secret: secret.clone(),
                roles: vec![Role::PlatformAdmin],
            },
        )?;
        Ok(Some(Bootstrap {
            client_id,
            client_secret: generated.then_some(secret),
        }))
    })?)
}

/// The JWT secret: configured, or generated once and kept in the data directory.
fn jwt_secret(s: &Settings) -> Result<Vec<u8>, StartError> {
    if let Some(secret) = &s.jwt_secret {
        if secret.len() < 32 {
            return Err(StartError::Config(
                "VIGIE_JWT_SECRET must have at least 32 bytes".into(),
            ));
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = s.data_dir.join("jwt-secret");
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => Err(StartError::Config(format!(
            "{} is too short: delete it to generate a new one",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = random_token(48);
            write_private(&path, &secret)
                .map_err(|e| StartError::Config(format!("cannot write {}: {e}", path.display())))?;
            log::info!("generated a JWT signing secret in {}", path.display());
            Ok(secret.into_bytes())
        }
        Err(e) => Err(StartError::Config(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

fn external_key(s: &Settings) -> Result<Option<ExternalKey>, StartError> {
    let Some(value) = &s.jwt_public_key else {
        return Ok(None);
    };
    let pem = if value.trim_start().starts_with("-----BEGIN") {
        value.clone()
    } else {
        std::fs::read_to_string(value).map_err(|e| {
            StartError::Config(format!("VIGIE_JWT_PUBLIC_KEY: cannot read {value}: {e}"))
        })?
    };
    let issuer = s
        .jwt_external_issuer
        .clone()
        .unwrap_or_else(|| s.jwt_issuer.clone());
    ExternalKey::from_pem(&pem, issuer)
        .map(Some)
        .map_err(StartError::Config)
}

/// The security settings the use cases apply.
pub fn security(s: &Settings) -> vigie_app::Security {
    let ttl = Duration::from_secs(u64::try_from(s.token_ttl_secs).unwrap_or(0));
    vigie_app::Security {
        // A revocation outlives every token it may concern: ours, and an identity provider's
        // tokens of up to a day.
        token_lifetime: ttl.max(Duration::from_secs(24 * 3600)),
        revocation_refresh: Duration::from_secs(s.revocation_refresh_secs),
        login_brake: vigie_app::login_brake::LoginBrake {
            free_failures: s.login_free_failures,
            first_lock: Duration::from_secs(s.login_lock_secs),
            longest_lock: Duration::from_secs(s.login_max_lock_secs.max(s.login_lock_secs)),
            ..Default::default()
        },
        webhook_allow_private: s.webhook_allow_private,
        access_journal: s.access_journal,
    }
}

/// Everything the handlers share. Build it once per process (the metrics registry is per process).
pub fn app_state(s: &Settings, store: Store) -> Result<web::Data<AppState>, StartError> {
    let tokens = TokenKeys::new(
        &jwt_secret(s)?,
        s.jwt_issuer.clone(),
        s.jwt_audience.clone(),
        s.token_ttl_secs,
        external_key(s)?,
    )
    .map_err(StartError::Config)?;
    let registry = prometheus::Registry::new();
    let app = vigie_app::App::new(store, Duration::from_secs(10)).with_security(security(s));
    let collector =
        PoolCollector::new(app.clone()).map_err(|e| StartError::Config(e.to_string()))?;
    registry
        .register(Box::new(collector))
        .map_err(|e| StartError::Config(e.to_string()))?;
    let metrics = actix_web_prom::PrometheusMetricsBuilder::new("vigie")
        .endpoint("/metrics")
        .registry(registry)
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| StartError::Config(format!("metrics: {e}")))?;
    Ok(web::Data::new(AppState {
        app,
        tokens,
        rate_limiter: RateLimiter::new(s.rate_limit_per_second, s.rate_limit_burst),
        token_rate_limiter: RateLimiter::new(
            s.token_rate_limit_per_second,
            s.token_rate_limit_per_second.saturating_mul(4),
        ),
        limits: Limits {
            max_body_bytes: s.max_body_bytes,
            max_import_bytes: s.max_import_bytes,
        },
        cors_origins: s.cors_origins.clone(),
        problem_base: vigie_api::error::problem_base(s.public_url.as_deref()).into(),
        metrics,
    }))
}
