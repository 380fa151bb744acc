//! The calendar the rules count in: days are local days in France (Europe/Paris), whatever the
//! server's clock zone; facts at 23:30 UTC are facts of the next day in Nanterre.

use chrono::{NaiveDate, Utc};
use vigie_domain::pv::local_day;

/// Today in the Hauts-de-Seine.
pub fn today() -> NaiveDate {
    local_day(Utc::now())
}
