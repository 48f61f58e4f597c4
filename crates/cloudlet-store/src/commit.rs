//! Group commit: one writer thread applies every queued change in one redb transaction and
//! commits (one fsync) before acknowledging any of them.
//!
//! A change that fails is taken out of the batch: the transaction is aborted and the others
//! are replayed in a fresh transaction; the failed change gets its error once they have
//! committed, so what made it fail is visible to whoever it tells. Changes are
//! therefore `FnMut` and must only touch the transaction.
//!
//! An ephemeral (in-memory) store has nothing to make durable and no fsync to share, so it
//! has no writer thread: each change commits on the caller's thread (two hand-offs fewer
//! per write), concurrent ones one after another on redb's writer lock. Most of its commits
//! use `Durability::None`, which skips the work of redb's durable commit; every
//! [`EPHEMERAL_DURABLE_EVERY`]th commits durably so that redb reuses the freed pages.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use redb::{Database, Durability, WriteTransaction};
use tokio::sync::oneshot;

use crate::StoreError;

/// Most changes applied in one transaction.
const MAX_BATCH: usize = 256;

/// How often an in-memory store commits durably: redb reuses the pages freed by non-durable
/// commits only after a durable one.
const EPHEMERAL_DURABLE_EVERY: u64 = 64;

trait Job: Send {
    /// Applies the change; `false` if it failed (its error is kept for `finish`).
    fn run(&mut self, txn: &WriteTransaction) -> bool;
    /// Delivers the outcome once the batch's commit has succeeded or failed.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct Change<F, T, E> {
    f: F,
    outcome: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> Job for Change<F, T, E>
where
    F: FnMut(&WriteTransaction) -> Result<T, E> + Send,
    T: Send,
    E: From<StoreError> + Send,
{
    fn run(&mut self, txn: &WriteTransaction) -> bool {
        let r = (self.f)(txn);
        let ok = r.is_ok();
        self.outcome = Some(r);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let out = match (commit, self.outcome) {
            // A failed change reports its own error whatever the commit did.
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(Ok(v))) => Ok(v),
            (Err(msg), _) => Err(StoreError::Db(msg).into()),
            (Ok(()), None) => Err(StoreError::Closed.into()),
        };
        let _ = self.reply.send(out);
    }
}

/// How a store's changes reach the database.
enum Mode {
    /// A durable store's writer thread, fed by a queue (`None` once closed).
    Writer {
        queue: Mutex<Option<Sender<Box<dyn Job>>>>,
        thread: Mutex<Option<JoinHandle<()>>>,
    },
    /// An ephemeral store commits on the caller's thread (`db` is `None` once closed),
    /// durably every [`EPHEMERAL_DURABLE_EVERY`]th commit.
    InPlace {
        db: Mutex<Option<Arc<Database>>>,
        commits: AtomicU64,
    },
}

pub(crate) struct GroupCommit {
    mode: Mode,
}

impl GroupCommit {
    /// Starts the writer thread, or for an `ephemeral` store commits in place, mostly
    /// without redb's durable commit protocol.
    pub(crate) fn start(db: Arc<Database>, ephemeral: bool) -> GroupCommit {
        if ephemeral {
            return GroupCommit {
                mode: Mode::InPlace {
                    db: Mutex::new(Some(db)),
                    commits: AtomicU64::new(0),
                },
            };
        }
        let (tx, rx) = channel();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer_loop(&db, &rx))
            .ok();
        GroupCommit {
            mode: Mode::Writer {
                queue: Mutex::new(Some(tx)),
                thread: Mutex::new(thread),
            },
        }
    }

    pub(crate) async fn submit<F, T, E>(&self, f: F) -> Result<T, E>
    where
        F: FnMut(&WriteTransaction) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Change {
            f,
            outcome: None,
            reply,
        });
        let sent = match &self.mode {
            Mode::InPlace { db, commits } => match db.lock().ok().and_then(|d| d.clone()) {
                Some(db) => {
                    let n = commits.fetch_add(1, Ordering::Relaxed) + 1;
                    let durability = if n.is_multiple_of(EPHEMERAL_DURABLE_EVERY) {
                        Durability::Immediate
                    } else {
                        Durability::None
                    };
                    commit_batch(&db, vec![job], durability);
                    true
                }
                None => false,
            },
            Mode::Writer { queue, .. } => match queue.lock() {
                Ok(q) => q.as_ref().is_some_and(|q| q.send(job).is_ok()),
                Err(_) => false,
            },
        };
        if !sent {
            return Err(StoreError::Closed.into());
        }
        rx.await.unwrap_or_else(|_| Err(StoreError::Closed.into()))
    }

    /// Refuses further changes; a writer thread first drains what is queued.
    pub(crate) fn close(&self) {
        match &self.mode {
            Mode::InPlace { db, .. } => {
                if let Ok(mut d) = db.lock() {
                    d.take();
                }
            }
            Mode::Writer { queue, thread } => {
                if let Ok(mut q) = queue.lock() {
                    q.take();
                }
                let handle = thread.lock().ok().and_then(|mut t| t.take());
                if let Some(h) = handle {
                    let _ = h.join();
                }
            }
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.close();
    }
}

fn writer_loop(db: &Database, rx: &Receiver<Box<dyn Job>>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(db, batch, Durability::Immediate);
    }
}

fn commit_batch(db: &Database, mut batch: Vec<Box<dyn Job>>, durability: Durability) {
    // Changes taken out of the batch hear of their failure only once the rest has committed
    // (or failed): a change that failed because of another in the batch (an upload another
    // completion took) must find that other change's effect when it looks again.
    let mut failed: Vec<Box<dyn Job>> = Vec::new();
    let outcome = 'retry: loop {
        let mut txn = match db.begin_write() {
            Ok(t) => t,
            Err(e) => break Err(e.to_string()),
        };
        if let Err(e) = txn.set_durability(durability) {
            let _ = txn.abort();
            break Err(e.to_string());
        }
        for i in 0..batch.len() {
            if !batch[i].run(&txn) {
                // Drop the failed change and replay the rest without it.
                let _ = txn.abort();
                failed.push(batch.remove(i));
                if batch.is_empty() {
                    break 'retry Ok(());
                }
                continue 'retry;
            }
        }
        break txn.commit().map_err(|e| e.to_string());
    };
    for job in batch {
        job.finish(outcome.clone());
    }
    for job in failed {
        job.finish(Ok(()));
    }
}
