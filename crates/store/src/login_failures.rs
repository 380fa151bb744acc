//! Consecutive failed logins per account name, shared by every process on the database. Kept for
//! names that do not exist too, so that the brake cannot tell which logins exist.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::schema::login_failures;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = login_failures)]
pub struct LoginFailureRow {
    pub login_key: String,
    pub failures: i64,
    pub last_failure_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, key: &str) -> StoreResult<Option<LoginFailureRow>> {
    Ok(login_failures::table
        .find(key)
        .select(LoginFailureRow::as_select())
        .first(conn)
        .optional()?)
}

/// Counts one more failure at `at`, starting again from one when the last failure is older than
/// `forget_before`. Returns the row as it now stands.
pub fn count_failure(
    conn: &mut DbConn,
    key: &str,
    at: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> StoreResult<LoginFailureRow> {
    // An old streak starts over.
    diesel::update(
        login_failures::table
            .find(key)
            .filter(login_failures::last_failure_at.lt(forget_before)),
    )
    .set((
        login_failures::failures.eq(0),
        login_failures::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    // An increment in SQL, so that concurrent failures on PostgreSQL all count.
    let n = diesel::update(login_failures::table.find(key))
        .set((
            login_failures::failures.eq(login_failures::failures + 1),
            login_failures::last_failure_at.eq(at),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(login_failures::table)
            .values(LoginFailureRow {
                login_key: key.to_owned(),
                failures: 1,
                last_failure_at: at,
                locked_until: None,
            })
            .execute(conn)?;
    }
    find(conn, key)?.ok_or(StoreError::NotFound)
}

/// Locks the account name until `until`.
pub fn lock(conn: &mut DbConn, key: &str, until: NaiveDateTime) -> StoreResult<()> {
    diesel::update(login_failures::table.find(key))
        .set(login_failures::locked_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

/// A successful login ends the streak.
pub fn clear(conn: &mut DbConn, key: &str) -> StoreResult<()> {
    diesel::delete(login_failures::table.find(key)).execute(conn)?;
    Ok(())
}
