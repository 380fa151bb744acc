//! Operations: liveness, readiness, Prometheus metrics of the connection pool.

use actix_web::{HttpResponse, get, web};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, Opts};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_app::App;

use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    pub status: String,
    /// `sqlite` or `postgres` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// Liveness
///
/// The process answers; says nothing about the database.
#[utoipa::path(tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "Alive", body = Health),
        (status = 400, description = "`nul_character`: the path or query holds %00", body = crate::error::Problem, content_type = "application/problem+json")),
    security(()))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: None,
    })
}

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum NotReady {
    /// The database does not answer.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Readiness
///
/// The database answers; a load balancer sends traffic only while this is 200.
#[utoipa::path(tag = "operations", operation_id = "readyz",
    responses((status = 200, description = "Ready", body = Health),
        (status = 400, description = "`nul_character`: the path or query holds %00", body = crate::error::Problem, content_type = "application/problem+json"),
        NotReady),
    security(()))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state
        .app
        .ping()
        .await
        .map_err(|_| ApiError::unavailable("the database does not answer"))?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready".into(),
        database: Some(state.app.backend().into()),
    }))
}

/// Exposes the r2d2 pool's state at each scrape, and how often this process re-read the token
/// revocations (about once per refresh interval under load, never once per request).
pub struct PoolCollector {
    app: App,
    connections: IntGauge,
    idle: IntGauge,
    max: IntGauge,
    revocation_reloads: IntGauge,
}

impl PoolCollector {
    pub fn new(app: App) -> prometheus::Result<Self> {
        Ok(Self {
            app,
            connections: IntGauge::with_opts(Opts::new(
                "vigie_db_pool_connections",
                "Open database connections",
            ))?,
            idle: IntGauge::with_opts(Opts::new(
                "vigie_db_pool_idle_connections",
                "Idle database connections",
            ))?,
            max: IntGauge::with_opts(Opts::new(
                "vigie_db_pool_max_size",
                "Maximum database connections",
            ))?,
            revocation_reloads: IntGauge::with_opts(Opts::new(
                "vigie_token_revocation_reloads",
                "Times this process has read the token revocations from the database",
            ))?,
        })
    }
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        [
            &self.connections,
            &self.idle,
            &self.max,
            &self.revocation_reloads,
        ]
        .into_iter()
        .flat_map(Collector::desc)
        .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let s = self.app.pool_stats();
        self.connections.set(i64::from(s.connections));
        self.idle.set(i64::from(s.idle));
        self.max.set(i64::from(s.max));
        self.revocation_reloads
            .set(i64::try_from(vigie_app::revocation::reloads(&self.app)).unwrap_or(i64::MAX));
        [
            &self.connections,
            &self.idle,
            &self.max,
            &self.revocation_reloads,
        ]
        .into_iter()
        .flat_map(Collector::collect)
        .collect()
    }
}
