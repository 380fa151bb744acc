//! The one connection type of Vigie over SQLite and PostgreSQL, its pool and its transactions.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::StoreError;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Where the data lives, decided from `VIGIE_DATABASE_URL` by its scheme alone: a typo must never
/// silently create an empty SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error("unsupported database URL scheme `{0}`: use sqlite://PATH or postgres://...")]
    UnknownScheme(String),
    #[error("database URL `{0}` has no scheme: use sqlite://PATH or postgres://...")]
    NoScheme(String),
    #[error("sqlite:// URL without a file path")]
    EmptySqlitePath,
}

/// The embedded default when `VIGIE_DATABASE_URL` is unset.
pub const DEFAULT_SQLITE_PATH: &str = "./data/vigie.db";

impl DatabaseUrl {
    /// `None` (unset) gives the embedded default.
    pub fn parse(url: Option<&str>) -> Result<Self, DatabaseUrlError> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Self::Sqlite(PathBuf::from(DEFAULT_SQLITE_PATH)));
        };
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(DatabaseUrlError::NoScheme(url.to_owned()));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                if rest.is_empty() {
                    Err(DatabaseUrlError::EmptySqlitePath)
                } else {
                    Ok(Self::Sqlite(PathBuf::from(rest)))
                }
            }
            "postgres" | "postgresql" => Ok(Self::Postgres(url.to_owned())),
            other => Err(DatabaseUrlError::UnknownScheme(other.to_owned())),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// For logs: the PostgreSQL password, if any, is hidden.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite://{}", p.display()),
            Self::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(s), Some(at)) if u[s + 3..at].contains(':') => {
                    let user_end = s + 3 + u[s + 3..at].find(':').unwrap_or(0);
                    format!("{}:***{}", &u[..user_end], &u[at..])
                }
                _ => u.clone(),
            },
        }
    }
}

/// r2d2 manager that opens the backend named by the URL, never the other one, and sets SQLite's
/// pragmas on every new connection.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    sqlite_busy_timeout_ms: u64,
}

/// The file of the access journal beside a SQLite database: `vigie.db` → `vigie-access-journal.db`
/// (not `vigie.db-journal`, SQLite's own rollback journal).
pub fn sqlite_journal_path(db: &Path) -> PathBuf {
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vigie".into());
    db.with_file_name(format!("{stem}-access-journal.db"))
}

fn sqlite_pragmas(
    conn: &mut SqliteConnection,
    path: &Path,
    busy_timeout_ms: u64,
) -> diesel::QueryResult<()> {
    // foreign_keys is off by default in SQLite and per connection: forgetting it silently drops every
    // FOREIGN KEY of the schema. WAL lets readers run beside the single writer.
    //
    // The access journal is a file of its own, attached as `journal`: a write to the main file makes
    // every other connection drop its cache of it, and the journal is written on every read.
    let journal = sqlite_journal_path(path)
        .to_string_lossy()
        .replace('\'', "''");
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {busy_timeout_ms}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         ATTACH DATABASE '{journal}' AS journal; PRAGMA journal.journal_mode = WAL; PRAGMA journal.synchronous = NORMAL;"
    ))
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Postgres)
                .map_err(r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                sqlite_pragmas(&mut conn, path, self.sqlite_busy_timeout_ms)
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        R2D2Connection::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connection_timeout: Duration,
    /// How long a SQLite statement waits for a lock held by another connection before failing.
    pub sqlite_busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 16,
            connection_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(10),
        }
    }
}

/// Opens the pool and checks the database answers. SQLite's file and its folder are created;
/// PostgreSQL must be reachable (an unreachable database at start is an error, not a retry loop).
/// Returns the pool and its connector (for a long-lived worker's connection of its own).
pub fn open_pool(url: &DatabaseUrl, opts: &PoolOptions) -> Result<(Pool, Manager), StoreError> {
    if let DatabaseUrl::Sqlite(path) = url {
        create_parent_dir(path)?;
    }
    let manager = Manager {
        url: url.clone(),
        sqlite_busy_timeout_ms: u64::try_from(opts.sqlite_busy_timeout.as_millis())
            .unwrap_or(u64::MAX),
    };
    // Check once, directly, so that the start-up error is the database's own message.
    manager
        .connect()
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let connector = manager.clone();
    let pool = r2d2::Pool::builder()
        .max_size(opts.max_size)
        // No idle minimum: r2d2 would refill it from a background thread after each check-out, and a
        // one-shot command exiting while that thread opens a PostgreSQL connection can crash in
        // libpq's exit handlers. Connections are opened on demand and kept while in use.
        .min_idle(Some(0))
        .connection_timeout(opts.connection_timeout)
        .test_on_check_out(true)
        .build(manager)
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok((pool, connector))
}

fn create_parent_dir(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

/// Applies the pending embedded migrations of the connection's backend; returns their names.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
        DbConn::Postgres(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}

/// A write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, taking the write lock up front:
/// a deferred transaction that reads and then writes can fail with "database is locked" at once when
/// another writer went first, without waiting for `busy_timeout`.
pub fn write_tx<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(c) => {
            <AnsiTransactionManager as TransactionManager<PgConnection>>::begin_transaction(c)?
        }
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The original error matters more than a failed rollback (which marks the connection broken).
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_decides_the_backend() {
        assert_eq!(
            DatabaseUrl::parse(None).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("./data/vigie.db"))
        );
        assert_eq!(
            DatabaseUrl::parse(Some("")).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("./data/vigie.db"))
        );
        assert_eq!(
            DatabaseUrl::parse(Some("sqlite:///tmp/x.db")).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(
            DatabaseUrl::parse(Some("sqlite://rel/x.db")).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("rel/x.db"))
        );
        assert!(matches!(
            DatabaseUrl::parse(Some("postgres://u@h/db")).unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse(Some("postgresql://u@h/db")).unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert_eq!(
            DatabaseUrl::parse(Some("mysql://h/db")),
            Err(DatabaseUrlError::UnknownScheme("mysql".into()))
        );
        assert_eq!(
            DatabaseUrl::parse(Some("postgres:/h/db")),
            Err(DatabaseUrlError::NoScheme("postgres:/h/db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse(Some("sqlite://")),
            Err(DatabaseUrlError::EmptySqlitePath)
        );
    }

    #[test]
    fn passwords_are_not_logged() {
        let u = DatabaseUrl::parse(Some("postgres://vigie:s3cret@db:5432/vigie")).unwrap();
        assert_eq!(u.redacted(), "postgres://vigie:***@db:5432/vigie");
        let u = DatabaseUrl::parse(Some("postgres://vigie@db/vigie")).unwrap();
        assert_eq!(u.redacted(), "postgres://vigie@db/vigie");
    }
}
