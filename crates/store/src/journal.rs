//! The access journal's storage: appending reads to each organisation's chain (in the reader's own
//! short write transaction: one entry per read and organisation, naming every record it returned,
//! so that a page of fifty costs one row, not fifty), listing, verifying, and purging the oldest
//! entries once their retention ends.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use vigie_domain::audit::{self as chain, ChainBreak, StoredLink};
use vigie_domain::journal::{self, Purpose};

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::schema::{access_journal, access_journal_heads};
use crate::{new_id, now};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = access_journal)]
pub struct JournalRow {
    pub id: String,
    pub chain: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub reader: String,
    pub reader_org_id: Option<String>,
    pub purpose: String,
    pub resource_type: String,
    /// JSON array of the ids read.
    pub resource_ids: String,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl JournalRow {
    fn stored(&self) -> StoreResult<StoredLink> {
        let purpose: Purpose = self
            .purpose
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("journal {}: purpose", self.id)))?;
        Ok(StoredLink {
            link: journal::link(
                &self.chain,
                self.seq,
                self.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                &self.reader,
                self.reader_org_id.as_deref(),
                purpose,
                &self.resource_type,
                &self.resource_ids,
                self.request_id.as_deref(),
                &self.prev_hash,
            ),
            hash: self.hash.clone(),
        })
    }
}

/// A record read: its type, id, and the organisation it belongs to (the chain).
#[derive(Debug, Clone)]
pub struct Read {
    pub resource_type: &'static str,
    pub resource_id: String,
    pub owner_org_id: String,
}

/// The last known head of each chain (its `seq` and `hash`), kept by the one writer of a process.
pub type Heads = HashMap<String, (i64, String)>;

/// Appends readers' reads to their organisations' chains, in the caller's write transaction and in
/// the order given (a group commit's batch): each chain's head is moved once and its new entries
/// inserted together.
///
/// `heads` is the writer's memory of the heads it wrote last. When it is still right, the head is
/// moved by one conditional `UPDATE` (which also locks it), saving the read; when another writer
/// (another replica, a rolled-back batch) moved it since, the head is locked and read as usual.
pub fn record_many(
    conn: &mut DbConn,
    batch: &[(&Actor, Purpose, &[Read])],
    heads: &mut Heads,
) -> StoreResult<()> {
    // Per chain, in a fixed order (so that two writers never wait on each other's heads
    // crosswise): each reader's reads of it, in the batch's order.
    let mut by_chain: BTreeMap<&str, Vec<(usize, &Read)>> = BTreeMap::new();
    for (i, (_, _, reads)) in batch.iter().enumerate() {
        for r in *reads {
            by_chain
                .entry(r.owner_org_id.as_str())
                .or_default()
                .push((i, r));
        }
    }
    let at = now();
    for (chain_name, reads) in by_chain {
        if let Some((seq0, hash0)) = heads.get(chain_name).cloned() {
            let (rows, seq, last) =
                chain_rows(chain_name, (seq0, hash0.clone()), &reads, batch, at)?;
            let moved = diesel::update(
                access_journal_heads::table
                    .find(chain_name)
                    .filter(access_journal_heads::seq.eq(seq0))
                    .filter(access_journal_heads::hash.eq(&hash0)),
            )
            .set((
                access_journal_heads::seq.eq(seq),
                access_journal_heads::hash.eq(&last),
            ))
            .execute(conn)?;
            if moved == 1 {
                insert_rows(conn, &rows)?;
                heads.insert(chain_name.to_owned(), (seq, last));
                continue;
            }
        }
        let head = access_journal_heads::table
            .find(chain_name)
            .select((access_journal_heads::seq, access_journal_heads::hash));
        let found: Option<(i64, String)> = match conn {
            DbConn::Postgres(c) => head.for_update().first(c).optional()?,
            DbConn::Sqlite(c) => head.first(c).optional()?,
        };
        let start = match found {
            Some(h) => h,
            None => {
                diesel::insert_into(access_journal_heads::table)
                    .values((
                        access_journal_heads::chain.eq(chain_name),
                        access_journal_heads::seq.eq(0_i64),
                        access_journal_heads::hash.eq(chain::GENESIS),
                    ))
                    .execute(conn)?;
                (0, chain::GENESIS.to_owned())
            }
        };
        let (rows, seq, last) = chain_rows(chain_name, start, &reads, batch, at)?;
        insert_rows(conn, &rows)?;
        diesel::update(access_journal_heads::table.find(chain_name))
            .set((
                access_journal_heads::seq.eq(seq),
                access_journal_heads::hash.eq(&last),
            ))
            .execute(conn)?;
        heads.insert(chain_name.to_owned(), (seq, last));
    }
    Ok(())
}

/// The entries of one chain after `start` (its head's seq and hash): one per reader and type of
/// record, naming the ids it returned, each linked to the one before. Returns them with the new
/// head.
fn chain_rows(
    chain_name: &str,
    start: (i64, String),
    reads: &[(usize, &Read)],
    batch: &[(&Actor, Purpose, &[Read])],
    at: NaiveDateTime,
) -> StoreResult<(Vec<JournalRow>, i64, String)> {
    let at_text = at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let (mut seq, mut prev) = start;
    let mut entries: BTreeMap<(usize, &str), Vec<&str>> = BTreeMap::new();
    for (i, r) in reads {
        entries
            .entry((*i, r.resource_type))
            .or_default()
            .push(r.resource_id.as_str());
    }
    let mut rows = Vec::with_capacity(entries.len());
    for ((i, resource_type), ids) in entries {
        let (reader, purpose, _) = batch[i];
        seq += 1;
        let ids = serde_json::to_string(&ids).map_err(|e| StoreError::Database(e.to_string()))?;
        let link = journal::link(
            chain_name,
            seq,
            at_text.clone(),
            &reader.principal,
            reader.org_id.as_deref(),
            purpose,
            resource_type,
            &ids,
            reader.request_id.as_deref(),
            &prev,
        );
        let hash = link.hash();
        rows.push(JournalRow {
            id: new_id(),
            chain: chain_name.to_owned(),
            seq,
            at,
            reader: reader.principal.clone(),
            reader_org_id: reader.org_id.clone(),
            purpose: purpose.as_str().to_owned(),
            resource_type: resource_type.to_owned(),
            resource_ids: ids,
            request_id: reader.request_id.clone(),
            prev_hash: prev.clone(),
            hash: hash.clone(),
        });
        prev = hash;
    }
    Ok((rows, seq, prev))
}

fn insert_rows(conn: &mut DbConn, rows: &[JournalRow]) -> StoreResult<()> {
    for chunk in rows.chunks(200) {
        let insert = diesel::insert_into(access_journal::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    /// The organisation whose records were read; `None`: every chain (the platform admin).
    pub chain: Option<String>,
    pub resource_id: Option<String>,
    pub reader: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Keyset cursor: the id of the last entry of the previous page (ids are time-ordered).
    pub after_id: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &JournalFilter) -> StoreResult<Vec<JournalRow>> {
    let mut q = access_journal::table
        .select(JournalRow::as_select())
        .into_boxed();
    if let Some(v) = &f.chain {
        q = q.filter(access_journal::chain.eq(v));
    }
    if let Some(v) = &f.resource_id {
        // Ids are UUIDs: anything else names no record (and cannot smuggle a LIKE wildcard).
        if !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Ok(vec![]);
        }
        q = q.filter(access_journal::resource_ids.like(format!("%\"{v}\"%")));
    }
    if let Some(v) = &f.reader {
        q = q.filter(access_journal::reader.eq(v));
    }
    if let Some(v) = f.from {
        q = q.filter(access_journal::at.ge(v));
    }
    if let Some(v) = f.to {
        q = q.filter(access_journal::at.lt(v));
    }
    if let Some(v) = &f.after_id {
        q = q.filter(access_journal::id.gt(v));
    }
    Ok(q.order(access_journal::id.asc())
        .limit(f.limit)
        .load(conn)?)
}

/// What a verification found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JournalReport {
    pub chains: usize,
    pub entries: usize,
    pub breaks: Vec<ChainBreak>,
}

/// Recomputes the chains (one, or all), each from its oldest kept entry.
pub fn verify(conn: &mut DbConn, only: Option<&str>) -> StoreResult<JournalReport> {
    let mut q = access_journal_heads::table
        .select((
            access_journal_heads::chain,
            access_journal_heads::seq,
            access_journal_heads::hash,
        ))
        .into_boxed();
    if let Some(c) = only {
        q = q.filter(access_journal_heads::chain.eq(c));
    }
    let heads: Vec<(String, i64, String)> =
        q.order(access_journal_heads::chain.asc()).load(conn)?;
    let mut report = JournalReport {
        chains: heads.len(),
        entries: 0,
        breaks: vec![],
    };
    for (name, seq, hash) in heads {
        let rows: Vec<JournalRow> = access_journal::table
            .filter(access_journal::chain.eq(&name))
            .order(access_journal::seq.asc())
            .select(JournalRow::as_select())
            .load(conn)?;
        report.entries += rows.len();
        let links = rows
            .iter()
            .map(JournalRow::stored)
            .collect::<StoreResult<Vec<_>>>()?;
        if let Err(b) = chain::verify_chain_after_purge(&name, &links, Some((seq, &hash))) {
            report.breaks.push(b);
        }
    }
    Ok(report)
}

/// What a purge removed from one chain: through which entry, and that entry's hash (the anchor
/// the next kept entry points to), for the audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct Purged {
    pub chain: String,
    pub entries: usize,
    pub through_seq: i64,
    pub through_hash: String,
}

/// Removes the entries older than `before`, from the oldest end of each chain only (so that what
/// remains still verifies from its first kept entry).
pub fn purge_before(conn: &mut DbConn, before: NaiveDateTime) -> StoreResult<Vec<Purged>> {
    let old: Vec<(String, i64, String)> = access_journal::table
        .filter(access_journal::at.lt(before))
        .select((
            access_journal::chain,
            access_journal::seq,
            access_journal::hash,
        ))
        .order((access_journal::chain.asc(), access_journal::seq.asc()))
        .load(conn)?;
    let mut last: BTreeMap<String, (usize, i64, String)> = BTreeMap::new();
    for (c, seq, hash) in old {
        let e = last.entry(c).or_insert((0, 0, String::new()));
        *e = (e.0 + 1, seq, hash);
    }
    let mut out = vec![];
    for (chain_name, (entries, through_seq, through_hash)) in last {
        diesel::delete(
            access_journal::table
                .filter(access_journal::chain.eq(&chain_name))
                .filter(access_journal::seq.le(through_seq)),
        )
        .execute(conn)?;
        out.push(Purged {
            chain: chain_name,
            entries,
            through_seq,
            through_hash,
        });
    }
    Ok(out)
}
