//! Group commit: small writes that arrive together share one transaction.
//!
//! A write that only appends (a journal entry) costs little; its transaction costs much more (a
//! pool connection, a blocking-pool hop, `BEGIN`, the chain head, `COMMIT`), and on SQLite every
//! such transaction takes turns on the one writer lock. So writers queue their item to one
//! committer thread per kind, which holds its own connection and commits whatever is queued in one
//! transaction while the next items queue up behind it. Each writer still learns whether its own
//! item is durable before it answers: nothing is acknowledged before its commit. If the shared
//! transaction fails, each item is retried alone, so one bad item never fails its neighbours.

use std::sync::mpsc;

use tokio::sync::oneshot;
use vigie_store::{DbConn, Store};

use crate::error::{AppError, AppResult};

/// Writes the items of a batch (one or more, in their order) inside its transaction. It runs on the
/// committer's thread only, and may keep what it learns from one batch for the next.
pub type Write<T> = Box<dyn FnMut(&mut DbConn, &[&T]) -> AppResult<()> + Send>;

/// Prepares the committer's connection once it is opened (its session settings).
pub type Prepare = fn(&mut DbConn) -> AppResult<()>;

struct Pending<T> {
    item: T,
    done: oneshot::Sender<AppResult<()>>,
}

/// The queue of one kind of item, and its committer thread (which ends with the last handle).
pub struct GroupCommit<T> {
    queue: mpsc::Sender<Pending<T>>,
}

impl<T: Send + 'static> GroupCommit<T> {
    /// Starts the committer of `write`, taking at most `max_batch` items per transaction so that a
    /// burst never makes one huge transaction.
    pub fn new(
        store: Store,
        name: &str,
        prepare: Prepare,
        write: Write<T>,
        max_batch: usize,
    ) -> Self {
        let (queue, items) = mpsc::channel();
        let max_batch = max_batch.max(1);
        std::thread::Builder::new()
            .name(format!("vigie-{name}"))
            .spawn(move || committer(&store, &items, prepare, write, max_batch))
            .expect("a thread for the group commit");
        Self { queue }
    }

    /// Writes `item` in the next shared transaction and returns once it is committed (or failed).
    pub async fn submit(&self, item: T) -> AppResult<()> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Pending { item, done })
            .map_err(|_| lost())?;
        answer.await.unwrap_or_else(|_| {
            Err(AppError::internal_because(
                "the group commit dropped a batch without answering",
            ))
        })
    }
}

fn lost() -> AppError {
    AppError::unavailable("the server is shutting down; retry shortly")
}

/// Takes what is queued, commits it, answers each writer; until every handle is gone.
fn committer<T>(
    store: &Store,
    items: &mpsc::Receiver<Pending<T>>,
    prepare: Prepare,
    mut write: Write<T>,
    max: usize,
) {
    // The committer's own connection, outside the pool; opened again after an error (it may be the
    // connection's).
    let mut conn = None;
    while let Ok(first) = items.recv() {
        let mut batch = vec![first];
        while batch.len() < max {
            match items.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let taken = conn.take();
        // A panic in one batch must not stop the committer: its writers get an error (their
        // answers are dropped) and the next batch starts on a new connection.
        let kept = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            commit(store, taken, prepare, &mut write, batch)
        }));
        conn = kept.unwrap_or_else(|_| {
            log::error!("the group commit's batch panicked; its writers got an error");
            None
        });
    }
}

/// Commits one batch and answers its writers; returns the connection when it is fit to reuse.
fn commit<T>(
    store: &Store,
    conn: Option<DbConn>,
    prepare: Prepare,
    write: &mut Write<T>,
    mut batch: Vec<Pending<T>>,
) -> Option<DbConn> {
    let opened = match conn {
        Some(c) => Ok(c),
        None => store.connect().map_err(AppError::from).and_then(|mut c| {
            prepare(&mut c)?;
            Ok(c)
        }),
    };
    let mut c = match opened {
        Ok(c) => c,
        Err(e) => {
            for p in batch {
                let _ = p.done.send(Err(e.clone()));
            }
            return None;
        }
    };
    let items: Vec<&T> = batch.iter().map(|p| &p.item).collect();
    match store.write_on(&mut c, |tx| write(tx, &items)) {
        Ok(()) => {
            for p in batch {
                let _ = p.done.send(Ok(()));
            }
            Some(c)
        }
        Err(e) if batch.len() == 1 => {
            let _ = batch.pop().map(|p| p.done.send(Err(e)));
            None
        }
        Err(_) => {
            for p in batch {
                let alone = store.write_on(&mut c, |tx| write(tx, &[&p.item]));
                let _ = p.done.send(alone);
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;
    use vigie_store::{DatabaseUrl, PoolOptions};

    use super::*;

    /// A store on a new SQLite file of its own.
    fn store() -> Store {
        let path = std::env::temp_dir()
            .join(format!("vigie-group-commit-{}", vigie_store::new_id()))
            .join("vigie.db");
        Store::open(&DatabaseUrl::Sqlite(path), &PoolOptions::default()).expect("store")
    }

    fn count(store: &Store) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        store
            .with_conn(|c| {
                Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM gc_items")
                    .get_result::<N>(c)?
                    .n)
            })
            .expect("count")
    }

    #[tokio::test]
    async fn each_writer_learns_its_own_outcome_and_a_bad_item_fails_alone() {
        let store = store();
        store
            .with_conn(|c| {
                diesel::sql_query("CREATE TABLE gc_items (v BIGINT NOT NULL)").execute(c)?;
                Ok(())
            })
            .unwrap();
        let batches = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = batches.clone();
        let commit = std::sync::Arc::new(GroupCommit::new(
            store.clone(),
            "test",
            |_| Ok(()),
            Box::new(move |conn, items: &[&i64]| {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                for v in items {
                    if **v == 13 {
                        return Err(AppError::conflict("record_anonymised", "13 is refused"));
                    }
                    diesel::sql_query(format!("INSERT INTO gc_items (v) VALUES ({v})"))
                        .execute(conn)
                        .map_err(vigie_store::StoreError::from)?;
                }
                Ok(())
            }),
            8,
        ));
        let writers: Vec<_> = (0..40_i64)
            .map(|v| {
                let commit = commit.clone();
                tokio::spawn(async move { (v, commit.submit(v).await) })
            })
            .collect();
        for w in writers {
            let (v, outcome) = w.await.unwrap();
            match outcome {
                Err(e) if v == 13 => assert_eq!(e.code, "record_anonymised"),
                Ok(()) if v != 13 => {}
                other => panic!("item {v}: {other:?}"),
            }
        }
        // Every good item written once, the bad one never, whichever batch it shared.
        assert_eq!(count(&store), 39);
        assert!(batches.load(std::sync::atomic::Ordering::SeqCst) >= 40 / 8);
    }

    #[tokio::test]
    async fn a_panicking_batch_answers_with_an_error_and_the_committer_carries_on() {
        let commit = GroupCommit::new(
            store(),
            "test",
            |_| Ok(()),
            Box::new(|_, items: &[&i64]| {
                assert!(!items.contains(&&7), "a bug in a write");
                Ok(())
            }),
            8,
        );
        let e = commit.submit(7).await.unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Internal);
        commit.submit(8).await.expect("the next batch is committed");
    }
}
