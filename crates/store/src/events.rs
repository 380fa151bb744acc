//! The change feed (`GET /events`): an ordered, gap-free, resumable list of the changes partners may
//! follow. Each event is recorded in the transaction of the change that caused it, so a rolled-back
//! change leaves no event; it is also the outbox that webhooks deliver from.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::StoreResult;
use crate::schema::{event_counter, events};
use crate::{new_id, now};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub seq: i64,
    /// Stable id for de-duplication by consumers.
    pub id: String,
    pub event_type: String,
    pub resource_type: String,
    pub resource_id: String,
    pub org_id: String,
    pub circonscription_code: Option<String>,
    pub parquet_id: Option<String>,
    pub restricted: bool,
    /// A small JSON summary (status, version...); the resource itself is read from the API.
    pub data: String,
    pub created_at: NaiveDateTime,
    /// The préfecture reads it (its injunctions).
    pub for_prefecture: bool,
}

/// An event to record, with its audience.
pub struct NewEvent<'a> {
    pub event_type: &'a str,
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    /// The bailleur that owns the resource.
    pub org_id: &'a str,
    /// The police circonscription that may read it, if any.
    pub circonscription_code: Option<&'a str>,
    /// The parquet that may read it, if any.
    pub parquet_id: Option<&'a str>,
    pub restricted: bool,
    /// The préfecture may read it.
    pub for_prefecture: bool,
    pub data: serde_json::Value,
}

/// Records an event. Call it last in the transaction: it takes the feed's counter row, which stays
/// locked until commit (this is what makes the numbering follow commit order).
pub fn record(conn: &mut DbConn, e: NewEvent<'_>) -> StoreResult<i64> {
    let counter = event_counter::table.find(1i64);
    diesel::update(counter)
        .set(event_counter::last_seq.eq(event_counter::last_seq + 1i64))
        .execute(conn)?;
    let seq: i64 = counter.select(event_counter::last_seq).first(conn)?;
    let row = EventRow {
        seq,
        id: new_id(),
        event_type: e.event_type.to_owned(),
        resource_type: e.resource_type.to_owned(),
        resource_id: e.resource_id.to_owned(),
        org_id: e.org_id.to_owned(),
        circonscription_code: e.circonscription_code.map(str::to_owned),
        parquet_id: e.parquet_id.map(str::to_owned),
        restricted: e.restricted,
        for_prefecture: e.for_prefecture,
        data: e.data.to_string(),
        created_at: now(),
    };
    diesel::insert_into(events::table)
        .values(&row)
        .execute(conn)?;
    Ok(seq)
}

/// Which events a caller reads.
#[derive(Debug, Clone)]
pub enum FeedScope {
    Bailleur {
        org_id: String,
        include_restricted: bool,
    },
    Police {
        circonscription_code: String,
        /// Restricted events shared with the police (read by its correspondent, not by webhooks).
        include_restricted: bool,
    },
    Parquet {
        parquet_id: String,
    },
    /// The préfecture's officers: the events of its injunctions.
    Prefecture,
}

impl FeedScope {
    /// What organisation `org_id` reads in the feed, by its kind: a bailleur its own events, a
    /// police circonscription what was shared with or lodged at it (restricted ones, for both, only
    /// if `include_restricted`: a correspondent, never a webhook), the parquet what was sent to it,
    /// the préfecture its injunctions and bans; other kinds nothing.
    pub fn of_org(
        conn: &mut DbConn,
        org_id: &str,
        include_restricted: bool,
    ) -> StoreResult<Option<Self>> {
        use vigie_domain::OrgKind;
        let Some(org) = crate::organisations::find(conn, org_id)? else {
            return Ok(None);
        };
        Ok(match org.kind.parse::<OrgKind>() {
            Ok(OrgKind::Bailleur) => Some(Self::Bailleur {
                org_id: org.id,
                include_restricted,
            }),
            Ok(OrgKind::PoliceCirconscription) => org.circonscription_code.map(|c| Self::Police {
                circonscription_code: c,
                include_restricted,
            }),
            Ok(OrgKind::Parquet) => Some(Self::Parquet { parquet_id: org.id }),
            Ok(OrgKind::Prefecture) => Some(Self::Prefecture),
            _ => None,
        })
    }
}

/// Events after `after_seq` that `scope` may read, in order.
pub fn list(
    conn: &mut DbConn,
    scope: &FeedScope,
    after_seq: i64,
    limit: i64,
) -> StoreResult<Vec<EventRow>> {
    let mut q = events::table
        .filter(events::seq.gt(after_seq))
        .select(EventRow::as_select())
        .into_boxed();
    q = match scope {
        FeedScope::Bailleur {
            org_id,
            include_restricted,
        } => {
            let q = q.filter(events::org_id.eq(org_id));
            if *include_restricted {
                q
            } else {
                q.filter(events::restricted.eq(false))
            }
        }
        FeedScope::Police {
            circonscription_code,
            include_restricted,
        } => {
            let q = q.filter(events::circonscription_code.eq(circonscription_code));
            if *include_restricted {
                q
            } else {
                q.filter(events::restricted.eq(false))
            }
        }
        FeedScope::Parquet { parquet_id } => q
            .filter(events::parquet_id.eq(parquet_id))
            .filter(events::restricted.eq(false)),
        FeedScope::Prefecture => q.filter(events::for_prefecture.eq(true)),
    };
    Ok(q.order(events::seq.asc()).limit(limit).load(conn)?)
}

/// Records many events at once (bulk imports): the counter moves once, the rows go in multi-row
/// inserts. Same rule as [`record`]: last in the transaction.
pub fn record_many(conn: &mut DbConn, batch: Vec<NewEvent<'_>>) -> StoreResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let counter = event_counter::table.find(1i64);
    let n = i64::try_from(batch.len()).unwrap_or(i64::MAX);
    diesel::update(counter)
        .set(event_counter::last_seq.eq(event_counter::last_seq + n))
        .execute(conn)?;
    let last: i64 = counter.select(event_counter::last_seq).first(conn)?;
    let at = now();
    let rows: Vec<EventRow> = batch
        .into_iter()
        .enumerate()
        .map(|(i, e)| EventRow {
            seq: last - n + 1 + i64::try_from(i).unwrap_or_default(),
            id: new_id(),
            event_type: e.event_type.to_owned(),
            resource_type: e.resource_type.to_owned(),
            resource_id: e.resource_id.to_owned(),
            org_id: e.org_id.to_owned(),
            circonscription_code: e.circonscription_code.map(str::to_owned),
            parquet_id: e.parquet_id.map(str::to_owned),
            restricted: e.restricted,
            for_prefecture: e.for_prefecture,
            data: e.data.to_string(),
            created_at: at,
        })
        .collect();
    match conn {
        DbConn::Postgres(c) => {
            diesel::copy_from(events::table)
                .from_insertable(&rows)
                .execute(c)?;
        }
        DbConn::Sqlite(c) => {
            for chunk in rows.chunks(500) {
                diesel::insert_into(events::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}
