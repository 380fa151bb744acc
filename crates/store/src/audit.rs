//! Appending to and reading the hash-chained audit trail. Every change calls [`record`] inside the
//! transaction that makes it, so the trail and the data commit or roll back together.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use vigie_domain::audit::{self as chain, ChainBreak, Link, StoredLink};

use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::schema::{audit_chain_heads, audit_events};
use crate::{new_id, now};

/// Who makes a change: the principal, its organisation, and the request that carried it.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// `client:<client_id>`, `person:<login>` or `system`.
    pub principal: String,
    pub org_id: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Self {
            principal: "system".into(),
            org_id: None,
            request_id: None,
        }
    }
}

/// What changed. `org_id` is the organisation that owns the resource: its chain records the change.
pub struct Change<'a, S: Serialize> {
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    pub org_id: Option<&'a str>,
    pub state: &'a S,
}

pub const PLATFORM_CHAIN: &str = "platform";

/// Timestamps in the chain are hashed as text, so they are kept to the microsecond that both
/// backends store exactly.
fn hashable_time(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub chain: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub actor_org_id: Option<String>,
    pub org_id: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: Option<String>,
    pub state_hash: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    fn link(&self) -> Link {
        Link {
            chain: self.chain.clone(),
            seq: self.seq,
            at: hashable_time(self.at),
            actor: self.actor.clone(),
            actor_org_id: self.actor_org_id.clone(),
            org_id: self.org_id.clone(),
            action: self.action.clone(),
            resource_type: self.resource_type.clone(),
            resource_id: self.resource_id.clone(),
            request_id: self.request_id.clone(),
            state_hash: self.state_hash.clone(),
            prev_hash: self.prev_hash.clone(),
        }
    }
}

/// Starts the chain of a new organisation; call it in the transaction that creates the organisation.
pub fn open_chain(conn: &mut DbConn, chain_name: &str) -> StoreResult<()> {
    diesel::insert_into(audit_chain_heads::table)
        .values((
            audit_chain_heads::chain.eq(chain_name),
            audit_chain_heads::seq.eq(0_i64),
            audit_chain_heads::hash.eq(chain::GENESIS),
        ))
        .execute(conn)?;
    Ok(())
}

/// Appends one record to the owner's chain (see [`lock_head`] for how concurrent writers take turns).
/// Call it last in a transaction: the chain head stays locked until commit.
pub fn record<S: Serialize>(
    conn: &mut DbConn,
    actor: &Actor,
    change: Change<'_, S>,
) -> StoreResult<()> {
    record_many(conn, actor, [change])
}

/// Appends changes of one organisation to its chain in order, taking the chain's head once: the
/// records are the same, one per change, as [`record`] would write one by one.
pub fn record_many<'a, S: Serialize + 'a>(
    conn: &mut DbConn,
    actor: &Actor,
    changes: impl IntoIterator<Item = Change<'a, S>>,
) -> StoreResult<()> {
    let mut changes = changes.into_iter().peekable();
    let Some(first) = changes.peek() else {
        return Ok(());
    };
    let chain_name = first.org_id.unwrap_or(PLATFORM_CHAIN).to_owned();
    let (mut seq, mut prev_hash) = match lock_head(conn, &chain_name)? {
        Some(head) => head,
        None => {
            open_chain(conn, &chain_name)?;
            (0, chain::GENESIS.to_owned())
        }
    };
    let at = now();
    let mut rows = vec![];
    for change in changes {
        if change.org_id.unwrap_or(PLATFORM_CHAIN) != chain_name {
            return Err(StoreError::Database(
                "one batch of audit records belongs to one chain".into(),
            ));
        }
        let state =
            serde_json::to_value(change.state).map_err(|e| StoreError::Database(e.to_string()))?;
        seq += 1;
        let mut row = AuditRow {
            id: new_id(),
            chain: chain_name.clone(),
            seq,
            at,
            actor: actor.principal.clone(),
            actor_org_id: actor.org_id.clone(),
            org_id: change.org_id.map(str::to_owned),
            action: change.action.to_owned(),
            resource_type: change.resource_type.to_owned(),
            resource_id: change.resource_id.to_owned(),
            request_id: actor.request_id.clone(),
            state_hash: chain::state_hash(&state),
            prev_hash: prev_hash.clone(),
            hash: String::new(),
        };
        row.hash = row.link().hash();
        prev_hash = row.hash.clone();
        rows.push(row);
    }
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(audit_events::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    diesel::update(audit_chain_heads::table.find(&chain_name))
        .set((
            audit_chain_heads::seq.eq(seq),
            audit_chain_heads::hash.eq(&prev_hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// Reads a chain's head and keeps it until commit. On PostgreSQL `FOR UPDATE` locks that one row, so
/// writers of the same organisation take turns while other organisations' writers never wait; a
/// SQLite write transaction (`BEGIN IMMEDIATE`) already excludes every other writer.
fn lock_head(conn: &mut DbConn, chain_name: &str) -> StoreResult<Option<(i64, String)>> {
    let head = audit_chain_heads::table
        .find(chain_name)
        .select((audit_chain_heads::seq, audit_chain_heads::hash));
    Ok(match conn {
        DbConn::Postgres(c) => head.for_update().first(c).optional()?,
        DbConn::Sqlite(c) => head.first(c).optional()?,
    })
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub org_id: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub action: Option<String>,
    /// Keyset cursor: the `id` of the last record of the previous page (ids are time-ordered UUIDv7).
    pub after_id: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
    let mut q = audit_events::table
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(v) = &f.org_id {
        q = q.filter(audit_events::org_id.eq(v));
    }
    if let Some(v) = &f.resource_type {
        q = q.filter(audit_events::resource_type.eq(v));
    }
    if let Some(v) = &f.resource_id {
        q = q.filter(audit_events::resource_id.eq(v));
    }
    if let Some(v) = &f.action {
        q = q.filter(audit_events::action.eq(v));
    }
    if let Some(v) = &f.after_id {
        q = q.filter(audit_events::id.gt(v));
    }
    Ok(q.order(audit_events::id.asc()).limit(f.limit).load(conn)?)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    /// Number of chains checked (one per organisation, plus the platform's).
    pub chains: usize,
    /// Number of audit records checked.
    pub records: usize,
    /// Every chain that does not verify, at its first bad record.
    pub breaks: Vec<ChainBreak>,
}

/// Recomputes every chain from its first record. Reads chain by chain to bound memory.
pub fn verify(conn: &mut DbConn) -> StoreResult<VerifyReport> {
    let heads: Vec<(String, i64, String)> = audit_chain_heads::table
        .select((
            audit_chain_heads::chain,
            audit_chain_heads::seq,
            audit_chain_heads::hash,
        ))
        .order(audit_chain_heads::chain.asc())
        .load(conn)?;
    let mut report = VerifyReport {
        chains: heads.len(),
        records: 0,
        breaks: vec![],
    };
    let chains_with_records: Vec<String> = audit_events::table
        .select(audit_events::chain)
        .distinct()
        .load(conn)?;
    for orphan in chains_with_records
        .iter()
        .filter(|c| !heads.iter().any(|(name, _, _)| name == *c))
    {
        report.breaks.push(ChainBreak {
            chain: orphan.clone(),
            seq: 0,
            reason: "head_missing".into(),
        });
    }
    for (name, seq, hash) in &heads {
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::chain.eq(name))
            .order(audit_events::seq.asc())
            .select(AuditRow::as_select())
            .load(conn)?;
        report.records += rows.len();
        let links: Vec<StoredLink> = rows
            .iter()
            .map(|r| StoredLink {
                link: r.link(),
                hash: r.hash.clone(),
            })
            .collect();
        let head_hash = if *seq == 0 {
            chain::GENESIS
        } else {
            hash.as_str()
        };
        if let Err(b) = chain::verify_chain(name, &links, Some((*seq, head_hash))) {
            report.breaks.push(b);
        }
    }
    Ok(report)
}
