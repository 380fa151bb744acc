//! Group commit: small writes that arrive together share one transaction.
//!
//! A write that only appends (a journal entry) costs little; its transaction costs much more (a
//! pool connection, `BEGIN`, the chain head, `COMMIT`), and on SQLite every such transaction takes
//! turns on the one writer lock. So concurrent writers queue their item and one of them, the
//! leader, commits everything queued in one transaction while the others wait for its answer;
//! whatever arrives during that commit goes in the next one. Each writer still learns whether its
//! own item is durable before it answers: nothing is acknowledged before its commit. If the shared
//! transaction fails, each item is retried alone, so one bad item never fails its neighbours.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use vigie_store::DbConn;

use crate::context::App;
use crate::error::{AppError, AppResult};

/// Writes one item inside the batch's transaction.
pub type Write<T> = fn(&mut DbConn, &T) -> AppResult<()>;

struct Pending<T> {
    item: T,
    done: oneshot::Sender<AppResult<()>>,
}

/// A queue of items of one kind and the turn to commit them. One per process and kind.
pub struct GroupCommit<T> {
    write: Write<T>,
    /// The most items one transaction takes, so that a burst never makes one huge transaction.
    max_batch: usize,
    queue: Mutex<Vec<Pending<T>>>,
    /// Held by the leader until its batch is committed; the next writer to get it leads the next.
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl<T: Send + Sync + 'static> GroupCommit<T> {
    pub fn new(write: Write<T>, max_batch: usize) -> Self {
        Self {
            write,
            max_batch: max_batch.max(1),
            queue: Mutex::new(Vec::new()),
            turn: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Writes `item` in the next shared transaction and returns once it is committed (or failed).
    pub async fn submit(&self, app: &App, item: T) -> AppResult<()> {
        let (done, mut answer) = oneshot::channel();
        self.lock_queue().push(Pending { item, done });
        let turn = self.turn.clone().lock_owned().await;
        // The previous leader may have committed this item while we waited for the turn.
        match answer.try_recv() {
            Ok(result) => return result,
            Err(oneshot::error::TryRecvError::Closed) => return Err(lost()),
            Err(oneshot::error::TryRecvError::Empty) => {}
        }
        let batch: Vec<Pending<T>> = {
            let mut queue = self.lock_queue();
            let n = queue.len().min(self.max_batch);
            queue.drain(..n).collect()
        };
        if batch.is_empty() {
            return answer.await.unwrap_or_else(|_| Err(lost()));
        }
        // The commit runs as a task of its own holding the turn: a leader whose request is dropped
        // (the client went away) never leaves the others it carries without an answer.
        let app = app.clone();
        let write = self.write;
        tokio::spawn(async move {
            commit(&app, write, batch).await;
            drop(turn);
        });
        answer.await.unwrap_or_else(|_| Err(lost()))
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Vec<Pending<T>>> {
        // A poisoned queue only means a writer panicked while pushing; the queue itself is whole.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn lost() -> AppError {
    AppError::unavailable("the server is shutting down; retry shortly")
}

async fn commit<T: Send + Sync + 'static>(app: &App, write: Write<T>, batch: Vec<Pending<T>>) {
    let (items, senders): (Vec<T>, Vec<_>) = batch.into_iter().map(|p| (p.item, p.done)).unzip();
    let items = Arc::new(items);
    let shared = items.clone();
    let together = app
        .tx(move |conn| shared.iter().try_for_each(|item| write(conn, item)))
        .await;
    match together {
        Ok(()) => {
            for s in senders {
                let _ = s.send(Ok(()));
            }
        }
        Err(e) if senders.len() == 1 => {
            let _ = senders.into_iter().next().map(|s| s.send(Err(e)));
        }
        Err(_) => {
            for (i, s) in senders.into_iter().enumerate() {
                let items = items.clone();
                let alone = app.tx(move |conn| write(conn, &items[i])).await;
                let _ = s.send(alone);
            }
        }
    }
}
