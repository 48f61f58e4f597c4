//! The store: one embedded transactional database (redb) for all metadata and items, plus a
//! blob directory for large bodies (S3 objects, Lambda code).
//!
//! Writes go through one writer thread that batches concurrent callers into a single redb
//! transaction and a single fsync (group commit); a caller's `write` returns only after the
//! batch holding its change is durable. Each service owns its own tables and encodes its
//! records with [`record`], which stamps a format version on every value.
//!
//! The store knows nothing of HTTP or of any service's data model.

mod blobs;
mod commit;
pub mod record;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use blobs::{BlobId, BlobStore, BlobWriter, MEMORY_BLOB};
pub use redb;
use redb::{Database, ReadTransaction, ReadableDatabase, WriteTransaction};

/// Failures of the storage layer. Services report these as internal errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(String),
    #[error("blob store: {0}")]
    Blob(#[from] std::io::Error),
    #[error("record format: {0}")]
    Format(String),
    #[error("data directory {0} is in use by another cloudlet")]
    Locked(PathBuf),
    #[error("the store is shut down")]
    Closed,
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.to_string())
            }
        }
    )*};
}
from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

impl From<StoreError> for cloudlet_core::AwsError {
    fn from(e: StoreError) -> Self {
        cloudlet_core::AwsError::internal(e.to_string())
    }
}

/// The database and blob directory of one cloudlet server. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    committer: Arc<commit::GroupCommit>,
    blobs: Arc<BlobStore>,
    /// Scratch space: the `work` subdirectory of a durable store's data directory; a
    /// directory inside the temporary blob root otherwise.
    work: PathBuf,
    ephemeral: bool,
}

impl Store {
    /// Opens (or creates) the durable store in `dir`: `dir/cloudlet.redb` and `dir/blobs/`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("cloudlet.redb");
        let db = match Database::create(&path) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::Locked(dir.to_path_buf()));
            }
            Err(e) => return Err(e.into()),
        };
        let blobs = BlobStore::open(dir.join("blobs"), true)?;
        Ok(Store::from_parts(db, blobs, dir.join("work"), false))
    }

    /// A store that lives in memory (blobs in a private temporary directory removed on
    /// drop), for tests and throwaway servers.
    pub fn ephemeral() -> Result<Store, StoreError> {
        let db = Database::builder().create_with_backend(redb::backends::InMemoryBackend::new())?;
        let blobs = BlobStore::temporary()?;
        let work = blobs.root().join("work");
        Ok(Store::from_parts(db, blobs, work, true))
    }

    /// A store over any redb backend (the crash tests use a fault-injecting one).
    pub fn with_backend(
        backend: impl redb::StorageBackend,
        blob_dir: PathBuf,
    ) -> Result<Store, StoreError> {
        let db = Database::builder().create_with_backend(backend)?;
        let work = blob_dir.join("work");
        Ok(Store::from_parts(
            db,
            BlobStore::open(blob_dir, true)?,
            work,
            false,
        ))
    }

    fn from_parts(db: Database, blobs: BlobStore, work: PathBuf, ephemeral: bool) -> Store {
        let db = Arc::new(db);
        Store {
            committer: Arc::new(commit::GroupCommit::start(db.clone(), ephemeral)),
            db,
            blobs: Arc::new(blobs),
            work,
            ephemeral,
        }
    }

    /// A scratch directory owned by one service (`name` is a fixed identifier such as
    /// `"lambda"`, never user input), created if missing. Not part of the durable state:
    /// services must be able to rebuild its contents from the database and blobs.
    pub fn work_dir(&self, name: &'static str) -> Result<PathBuf, StoreError> {
        let dir = self.work.join(name);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Whether this store forgets everything when the process ends.
    pub fn is_ephemeral(&self) -> bool {
        self.ephemeral
    }

    /// Runs `f` over a consistent snapshot of committed data.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> Result<T, E>,
    ) -> Result<T, E> {
        let txn = self.db.begin_read().map_err(StoreError::from)?;
        f(&txn)
    }

    /// Runs `f` in a write transaction and returns once its changes are durable.
    ///
    /// `f` may run more than once (when another change in the same batch fails, the batch
    /// is retried without it), so it must not have side effects outside the transaction.
    /// If `f` returns `Err`, none of its changes are kept.
    pub async fn write<T, E>(
        &self,
        f: impl FnMut(&WriteTransaction) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.committer.submit(f).await
    }

    /// The blob directory.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Stops the writer thread after the batches already submitted are durable.
    pub fn close(&self) {
        self.committer.close();
    }
}
