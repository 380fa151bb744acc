//! The access journal: every read of personal offence data (an incident, complaint, PV, injunction
//! or ban, one by one or in a list, and the documents printed from them) is recorded with who read
//! it, for whom, when and why. The read use cases call [`purpose`] before reading (a partner
//! without a `Vigie-Purpose` is refused) and [`record`] once they have what they return, so every
//! entry point reaches the journal through the same code. The organisation's data protection
//! officer reads its own chain; the platform admin every chain; reading the journal is journaled.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::Role;
use vigie_domain::journal::{self, Purpose};
use vigie_store::audit::Actor;
pub use vigie_store::journal::JournalReport;
use vigie_store::journal::{self as repo, JournalFilter, JournalRow, Read};

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::group_commit::GroupCommit;
use crate::page::{Listed, PageRequest, fetch_size, views_of};

/// The purpose a read is journaled with: the caller's `Vigie-Purpose`; for a bailleur reading its
/// own records, case management when it gives none. A partner without one is refused (400
/// `purpose_required`) before anything is read.
pub fn purpose(caller: &Caller) -> AppResult<Purpose> {
    match caller.purpose {
        Some(p) => Ok(p),
        None if !journal::purpose_required(caller.org_kind) => Ok(Purpose::CaseManagement),
        None => Err(AppError::bad_request(
            "purpose_required",
            format!(
                "partners state why they read personal data: send Vigie-Purpose, one of: {}",
                Purpose::ALL.map(Purpose::as_str).join(", ")
            ),
        )),
    }
}

/// Journals the reads of the records `read` (each with the organisation it belongs to, whose chain
/// journals it) of `resource_type` (`incident`, `complaint`, `pv`, `injunction`, `ban`) before the
/// answer leaves: committed with the entries of the reads that arrive at the same time
/// ([`GroupCommit`]), so that journaling costs a read a share of one transaction rather than one of
/// its own.
pub async fn record(
    app: &App,
    caller: &Caller,
    purpose: Purpose,
    resource_type: &'static str,
    read: Vec<(String, String)>,
) -> AppResult<()> {
    if read.is_empty() || !app.security.access_journal {
        return Ok(());
    }
    let reads = read
        .into_iter()
        .map(|(resource_id, owner_org_id)| Read {
            resource_type,
            resource_id,
            owner_org_id,
        })
        .collect();
    app.journal
        .submit(JournalWrite {
            actor: caller.actor(),
            purpose,
            reads,
        })
        .await
}

/// The records a list's page returns (the first `limit` rows, those `views_of` keeps), each with
/// its owner: what the page's journal entry names, known before anything is written.
pub(crate) fn owners_of<R>(
    rows: &[R],
    limit: u32,
    key: impl Fn(&R) -> (&String, &String),
) -> Vec<(String, String)> {
    rows.iter()
        .take(limit as usize)
        .map(|r| {
            let (id, owner) = key(r);
            (id.clone(), owner.clone())
        })
        .collect()
}

/// One read to journal, as queued for the next shared transaction.
pub struct JournalWrite {
    actor: Actor,
    purpose: Purpose,
    reads: Vec<Read>,
}

/// The access journal's queue: at most 256 reads in one transaction.
pub(crate) fn group_commit(store: vigie_store::Store) -> GroupCommit<JournalWrite> {
    // The heads of the chains this process wrote last: the committer's own memory.
    let mut heads = repo::Heads::new();
    GroupCommit::new(
        store,
        "access-journal",
        durability,
        Box::new(move |conn, batch| write_batch(conn, batch, &mut heads)),
        256,
    )
}

/// The journal's durability is SQLite's in WAL mode with synchronous=NORMAL on both backends: a
/// committed entry survives a crash of Vigie (it is in the database's log), and a power loss of the
/// database's host may lose the last fraction of a second. On PostgreSQL that is an asynchronous
/// commit (on the committer's own connection only), which spares every read an fsync of its own.
fn durability(conn: &mut vigie_store::DbConn) -> AppResult<()> {
    if let vigie_store::DbConn::Postgres(c) = conn {
        use diesel::connection::SimpleConnection;
        c.batch_execute("SET synchronous_commit = off")
            .map_err(vigie_store::StoreError::from)?;
    }
    Ok(())
}

/// Journals a batch of reads (see [`repo::record_many`]).
fn write_batch(
    conn: &mut vigie_store::DbConn,
    batch: &[&JournalWrite],
    heads: &mut repo::Heads,
) -> AppResult<()> {
    let entries: Vec<(&Actor, Purpose, &[Read])> = batch
        .iter()
        .map(|w| (&w.actor, w.purpose, w.reads.as_slice()))
        .collect();
    Ok(repo::record_many(conn, &entries, heads)?)
}

/// One journaled read: a record, or the records of a list's page, of one organisation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f99-0000-7000-8000-000000000001", "seq": 42, "at": "2026-11-29T08:15:00.123456Z",
    "reader": "person:p.roux", "reader_org_id": "01936f5e-f607-7182-9c94-0e1f2a3b4c5d", "purpose": "investigation",
    "resource_type": "incident", "resource_ids": ["01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e"],
    "request_id": "9f1c2d3e-4b5a-6c7d-8e9f-0a1b2c3d4e5f", "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "hash": "5d41402abc4b2a76b9719d911017c592ae2a5e8f3d3c1b0a9f8e7d6c5b4a3928",
    "prev_hash": "0000000000000000000000000000000000000000000000000000000000000000"}))]
pub struct JournalEntry {
    pub id: String,
    /// Position in the chain of the organisation whose record was read.
    pub seq: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub at: DateTime<Utc>,
    /// `person:<login>` or `client:<client id>`.
    pub reader: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader_org_id: Option<String>,
    pub purpose: Purpose,
    pub resource_type: String,
    /// The records read: one for a record, each record a list returned for a list.
    #[schema(max_items = 1000)]
    pub resource_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The organisation whose records were read (the chain).
    pub org_id: String,
    pub hash: String,
    pub prev_hash: String,
}

fn entry(r: JournalRow) -> AppResult<JournalEntry> {
    let resource_ids = serde_json::from_str(&r.resource_ids)
        .map_err(|_| AppError::internal_because(format!("journal {}: ids", r.id)))?;
    Ok(JournalEntry {
        resource_ids,
        purpose: r
            .purpose
            .parse()
            .map_err(|_| AppError::internal_because(format!("journal {}: purpose", r.id)))?,
        id: r.id,
        seq: r.seq,
        at: r.at.and_utc(),
        reader: r.reader,
        reader_org_id: r.reader_org_id,
        resource_type: r.resource_type,
        request_id: r.request_id,
        org_id: r.chain,
        hash: r.hash,
        prev_hash: r.prev_hash,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JournalQuery {
    /// The reads that named this record (alone or in a list).
    #[param(max_length = 64)]
    pub resource_id: Option<String>,
    /// The reads by one principal (`person:<login>`, `client:<id>`).
    #[param(max_length = 200)]
    pub reader: Option<String>,
    /// Reads at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Reads before this instant.
    pub to: Option<DateTime<Utc>>,
    /// The platform admin: one organisation's chain (default: all).
    #[param(max_length = 64)]
    pub org_id: Option<String>,
}

/// The chain the caller may read: its own organisation's for a DPO, any (or all) for the
/// platform admin; nobody else.
fn readable_chain(caller: &Caller, asked: Option<String>) -> AppResult<Option<String>> {
    if caller.is_platform_admin() {
        return Ok(asked);
    }
    if !caller.has(Role::Dpo) {
        return Err(AppError::forbidden(
            "the access journal is read by the organisation's data protection officer (role dpo)",
        ));
    }
    match asked {
        Some(other) if other != caller.org_id => Err(AppError::not_found()),
        _ => Ok(Some(caller.org_id.clone())),
    }
}

/// Read the access journal
pub async fn list(
    app: &App,
    caller: Caller,
    q: JournalQuery,
    page: PageRequest,
) -> AppResult<Listed<JournalEntry>> {
    let chain = readable_chain(&caller, q.org_id)?;
    let purpose = caller.purpose.unwrap_or(Purpose::Audit);
    let limit = page.limit;
    let f = JournalFilter {
        chain: chain.clone(),
        resource_id: q.resource_id,
        reader: q.reader,
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
        after_id: page.after,
        limit: fetch_size(limit),
    };
    let rows = app.db(move |conn| Ok(repo::list(conn, &f)?)).await?;
    // Reading the journal is itself a read of personal data: journaled in each chain read.
    let chains: Vec<String> = match chain {
        Some(c) => vec![c],
        None => {
            let mut all: Vec<String> = rows.iter().map(|r| r.chain.clone()).collect();
            all.sort();
            all.dedup();
            all
        }
    };
    let read = chains.into_iter().map(|c| (c.clone(), c)).collect();
    record(app, &caller, purpose, "access_journal", read).await?;
    views_of(rows, limit, entry)
}

/// Verify the access journal
pub async fn verify(app: &App, caller: Caller) -> AppResult<JournalReport> {
    let chain = readable_chain(&caller, None)?;
    app.db(move |conn| Ok(repo::verify(conn, chain.as_deref())?))
        .await
}

/// Removes the entries older than the retention (`days`, at most three years), from the oldest end
/// of each chain, and records each purge in the audit trail with the hash it stops at (the anchor
/// the first kept entry points to). Safe with several processes: each deletes what is old.
pub async fn purge(app: &App, days: u32) -> AppResult<usize> {
    let days = days.clamp(1, journal::MAX_RETENTION_DAYS);
    purge_before(
        app,
        vigie_store::now() - chrono::Duration::days(i64::from(days)),
    )
    .await
}

/// Removes the entries older than `before` (see [`purge`]).
pub async fn purge_before(app: &App, before: chrono::NaiveDateTime) -> AppResult<usize> {
    app.tx(move |conn| {
        let purged = repo::purge_before(conn, before)?;
        let total = purged.iter().map(|p| p.entries).sum();
        for p in &purged {
            vigie_store::audit::record(
                conn,
                &vigie_store::audit::Actor::system(),
                vigie_store::audit::Change {
                    action: "access_journal.purged",
                    resource_type: "access_journal",
                    resource_id: &p.chain,
                    org_id: Some(&p.chain),
                    state: p,
                },
            )?;
        }
        Ok(total)
    })
    .await
}
