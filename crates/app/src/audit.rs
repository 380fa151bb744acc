//! `/audit`: the append-only, hash-chained audit trail, for the platform admin.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_store::audit::{self as repo, AuditFilter, AuditRow};

use crate::caller::Caller;
use crate::context::App;
use crate::error::AppResult;
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;

/// The answer of a verification of the whole trail.
pub use vigie_store::audit::VerifyReport;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-c3d4-7e5f-8a61-7b8c9d0e1f2a", "chain": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f", "seq": 3,
    "at": "2026-11-28T09:00:00.123456Z", "actor": "person:c.martin", "actor_org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f", "action": "person.created", "resource_type": "person",
    "resource_id": "01936f5e-9b1c-7d2e-8f30-4a5b6c7d8e9f", "request_id": "9f1c2d3e-4b5a-6c7d-8e9f-0a1b2c3d4e5f",
    "state_hash": "5d41402abc4b2a76b9719d911017c592ae2a5e8f3d3c1b0a9f8e7d6c5b4a3928",
    "prev_hash": "0000000000000000000000000000000000000000000000000000000000000000",
    "hash": "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918"
}))]
pub struct AuditEvent {
    pub id: String,
    /// The chain: the owning organisation's id, or `platform`.
    pub chain: String,
    pub seq: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub at: DateTime<Utc>,
    /// `person:<login>`, `client:<client_id>` or `system`.
    pub actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_org_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    pub action: String,
    pub resource_type: String,
    /// The resource's id: a uuid or a code; for a locked login, the principal tried
    /// (`person:<username>` or `client:<client_id>`, up to 207 characters).
    #[schema(max_length = 256)]
    pub resource_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// SHA-256 of the resource's new state.
    pub state_hash: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id,
            chain: r.chain,
            seq: r.seq,
            at: r.at.and_utc(),
            actor: r.actor,
            actor_org_id: r.actor_org_id,
            org_id: r.org_id,
            action: r.action,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            request_id: r.request_id,
            state_hash: r.state_hash,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Changes to one organisation's records.
    pub org_id: Option<String>,
    #[param(example = "organisation")]
    pub resource_type: Option<String>,
    #[param(max_length = 256)]
    pub resource_id: Option<String>,
    #[param(example = "organisation.created")]
    pub action: Option<String>,
}

/// Read the audit trail
///
/// Oldest first. Platform admin only.
pub async fn list_audit(
    app: &App,
    caller: Caller,
    q: AuditQuery,
    page: PageRequest,
) -> AppResult<Listed<AuditEvent>> {
    policy::read_audit(&caller)?;
    let limit = page.limit;
    let f = AuditFilter {
        org_id: q.org_id,
        resource_type: q.resource_type,
        resource_id: q.resource_id,
        action: q.action,
        after_id: page.after.clone(),
        limit: fetch_size(limit),
    };
    let rows = app.db(move |conn| Ok(repo::list(conn, &f)?)).await?;
    views_of(rows, limit, |r| Ok(AuditEvent::from(r)))
}

/// Verify the audit chains
///
/// Recomputes every chain; `breaks` lists each chain's first record that was edited, removed or
/// reordered. Platform admin only.
pub async fn verify_audit(app: &App, caller: Caller) -> AppResult<VerifyReport> {
    policy::read_audit(&caller)?;
    app.db(|conn| Ok(repo::verify(conn)?)).await
}
