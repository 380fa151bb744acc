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
