//! Telling the parties of a record about a change: a notification to each designated contact in
//! force (the landlord's correspondent and, when the record has one, the police correspondent of its
//! circonscription), and one event in the change feed for the audience the record allows.

use vigie_store::DbConn;
use vigie_store::complaints::{self as notifications, NotificationRow};
use vigie_store::events::NewEvent;

use crate::calendar::today;
use crate::directory::contacts_for;
use crate::error::AppResult;

/// A change to announce.
pub(crate) struct Announcement<'a> {
    /// `injunction`, `ban`...: also the prefix of the event type.
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    /// What happened (`issued`, `accepted`...).
    pub event: &'a str,
    /// The landlord of the record.
    pub org_id: &'a str,
    /// The police circonscription that reads it, if any.
    pub circonscription_code: Option<&'a str>,
    /// Correspondents only: no other role of the landlord, and never a webhook.
    pub restricted: bool,
    /// The préfecture reads it.
    pub for_prefecture: bool,
    pub summary: String,
    /// A small summary for the feed (the record itself is read from the API).
    pub data: serde_json::Value,
}

/// Records the notifications and the feed event of a change, in the change's transaction.
pub(crate) fn announce(conn: &mut DbConn, a: Announcement<'_>) -> AppResult<()> {
    let event_type = format!("{}.{}", a.resource_type, a.event);
    // The contract lists every event type: a new one must be added to the feed's lists.
    debug_assert!(
        crate::feed::is_event_type(&event_type),
        "event type {event_type} is not listed in vigie_app::feed"
    );
    let at = vigie_store::now();
    let notes: Vec<NotificationRow> =
        contacts_for(conn, a.org_id, a.circonscription_code, today())?
            .into_iter()
            .map(|c| NotificationRow {
                id: vigie_store::new_id(),
                recipient_org_id: c.organisation_id,
                recipient_person_id: Some(c.holder.id),
                contact_role: c.role.as_str().to_owned(),
                event_type: event_type.clone(),
                resource_type: a.resource_type.to_owned(),
                resource_id: a.resource_id.to_owned(),
                summary: a.summary.clone(),
                created_at: at,
            })
            .collect();
    notifications::notify(conn, &notes)?;
    vigie_store::events::record(
        conn,
        NewEvent {
            event_type: &event_type,
            resource_type: a.resource_type,
            resource_id: a.resource_id,
            org_id: a.org_id,
            circonscription_code: a.circonscription_code,
            parquet_id: None,
            restricted: a.restricted,
            for_prefecture: a.for_prefecture,
            data: a.data,
        },
    )?;
    Ok(())
}
