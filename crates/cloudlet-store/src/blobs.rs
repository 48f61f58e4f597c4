//! The blob directory: large bodies stored as files named by random ids, never by anything
//! a user supplied.
//!
//! In a durable store a blob is written to `tmp/`, fsynced, renamed into `data/` and the
//! directory fsynced; only then does [`BlobWriter::commit`] return its id, so a record that
//! references a blob is always written after the blob is durable. Small blobs are gathered in
//! memory and written in one go at commit, and a store that is not durable writes them
//! straight to their final name (see [`BlobWriter`]).

use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use crate::StoreError;

/// The name of a stored blob: 32 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct BlobId(String);

impl BlobId {
    fn fresh() -> BlobId {
        BlobId(cloudlet_core::ids::hex(
            &cloudlet_core::ids::random_bytes::<16>(),
        ))
    }
    /// Accepts only ids this store could have made.
    pub fn parse(s: &str) -> Option<BlobId> {
        (s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .then(|| BlobId(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A directory of immutable blobs.
#[derive(Debug)]
pub struct BlobStore {
    root: PathBuf,
    durable: bool,
    /// Removed on drop (ephemeral stores).
    temporary: bool,
}

impl BlobStore {
    pub(crate) fn open(root: PathBuf, durable: bool) -> Result<BlobStore, StoreError> {
        std::fs::create_dir_all(root.join("data"))?;
        let tmp = root.join("tmp");
        // Leftovers of writes that never committed.
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)?;
        Ok(BlobStore {
            root,
            durable,
            temporary: false,
        })
    }

    pub(crate) fn temporary() -> Result<BlobStore, StoreError> {
        let name = format!(
            "cloudlet-{}-{}",
            std::process::id(),
            cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<6>())
        );
        let mut s = BlobStore::open(std::env::temp_dir().join(name), false)?;
        s.temporary = true;
        Ok(s)
    }

    /// Starts writing a new blob. Nothing touches the disk until the blob outgrows
    /// [`SMALL`] or is committed.
    pub async fn create(&self) -> Result<BlobWriter, StoreError> {
        let id = BlobId::fresh();
        Ok(BlobWriter {
            file: None,
            pending: Vec::new(),
            tmp: self.root.join("tmp").join(id.as_str()),
            dest: self.path(&id),
            dir: self.root.join("data"),
            id,
            len: 0,
            durable: self.durable,
        })
    }

    /// Stores `bytes` as a blob in one go.
    pub async fn put(&self, bytes: &[u8]) -> Result<BlobId, StoreError> {
        let mut w = self.create().await?;
        w.write(bytes).await?;
        w.commit().await
    }

    /// Where blob `id` lives.
    pub fn path(&self, id: &BlobId) -> PathBuf {
        self.root.join("data").join(id.as_str())
    }

    /// Opens a blob for reading.
    pub async fn open_blob(&self, id: &BlobId) -> Result<tokio::fs::File, StoreError> {
        Ok(tokio::fs::File::open(self.path(id)).await?)
    }

    /// Reads a whole blob.
    pub async fn read(&self, id: &BlobId) -> Result<Vec<u8>, StoreError> {
        Ok(tokio::fs::read(self.path(id)).await?)
    }

    /// Deletes a blob; a missing blob is not an error. A store that is not durable unlinks
    /// in place: its files live in the page cache, and a hand-off to a blocking thread
    /// would cost more than the call.
    pub async fn delete(&self, id: &BlobId) {
        if self.durable {
            let _ = tokio::fs::remove_file(self.path(id)).await;
        } else {
            let _ = std::fs::remove_file(self.path(id));
        }
    }

    /// The directory blobs live in (for diagnostics).
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Drop for BlobStore {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// Blobs up to this size are kept in memory until `commit` writes them in one go.
const SMALL: usize = 64 * 1024;

/// A blob being written. A small blob stays in memory until [`BlobWriter::commit`], which
/// writes it with one blocking hand-off when the store is durable (create, write, fsync,
/// rename, directory fsync) and in place when it is not (straight to its final name: a
/// store that is not durable has no crash to survive, and no record names the blob before
/// `commit` returns). A larger one streams into a temporary file. Dropping the writer
/// without `commit` leaves at most a temp file, removed at the next start.
pub struct BlobWriter {
    file: Option<tokio::fs::File>,
    /// Bytes written but not yet in `file`.
    pending: Vec<u8>,
    tmp: PathBuf,
    dest: PathBuf,
    dir: PathBuf,
    id: BlobId,
    len: u64,
    durable: bool,
}

impl BlobWriter {
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.len += bytes.len() as u64;
        if self.file.is_none() && self.pending.len() + bytes.len() <= SMALL {
            self.pending.extend_from_slice(bytes);
            return Ok(());
        }
        let file = self.spill().await?;
        file.write_all(bytes).await?;
        Ok(())
    }

    /// The temporary file, created (with what was pending) on first need.
    async fn spill(&mut self) -> Result<&mut tokio::fs::File, StoreError> {
        if let Some(file) = self.file.take() {
            return Ok(self.file.insert(file));
        }
        let mut file = tokio::fs::File::create(&self.tmp).await?;
        file.write_all(&std::mem::take(&mut self.pending)).await?;
        Ok(self.file.insert(file))
    }

    /// Appends `len` bytes of the committed blob `src`, from offset `start`, copied by the
    /// kernel (`copy_file_range` on Linux) on a blocking thread: no bytes pass through this
    /// process, so joining large blobs costs neither memory nor much CPU.
    pub async fn append_blob(
        &mut self,
        src: &BlobId,
        start: u64,
        len: u64,
    ) -> Result<(), StoreError> {
        use std::io::{Read, Seek, SeekFrom};
        let file = self.spill().await?;
        file.flush().await?;
        // A duplicate of the descriptor shares its offset: the copy lands at the end.
        let mut dst = file.try_clone().await?.into_std().await;
        let path = self.dir.join(src.as_str());
        let copied = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
            let mut from = std::fs::File::open(path)?;
            from.seek(SeekFrom::Start(start))?;
            std::io::copy(&mut from.take(len), &mut dst)
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
        if copied != len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "blob shorter than requested",
            )
            .into());
        }
        self.len += len;
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes the blob durable and visible; returns its id.
    pub async fn commit(self) -> Result<BlobId, StoreError> {
        let BlobWriter {
            file,
            pending,
            tmp,
            dest,
            dir,
            id,
            durable,
            ..
        } = self;
        match file {
            None if !durable => std::fs::write(&dest, &pending)?,
            None => tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                use std::io::Write;
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(&pending)?;
                f.sync_data()?;
                std::fs::rename(&tmp, &dest)?;
                std::fs::File::open(dir)?.sync_all()
            })
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??,
            Some(mut file) => {
                file.flush().await?;
                if durable {
                    file.sync_data().await?;
                }
                tokio::fs::rename(&tmp, &dest).await?;
                if durable {
                    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
                        .await
                        .map_err(|e| std::io::Error::other(e.to_string()))??;
                }
            }
        }
        Ok(id)
    }

    /// Discards the blob.
    pub async fn abort(self) {
        if self.file.is_some() {
            let _ = tokio::fs::remove_file(&self.tmp).await;
        }
    }
}
