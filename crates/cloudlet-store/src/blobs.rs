//! The blob directory: large bodies stored as files named by random ids, never by anything
//! a user supplied.
//!
//! In a durable store a blob is written to `tmp/`, fsynced, renamed into `data/` and the
//! directory fsynced; only then does [`BlobWriter::commit`] return its id, so a record that
//! references a blob is always written after the blob is durable. Small blobs are gathered in
//! memory and written in one go at commit, and a store that is not durable writes them
//! straight to their final name (see [`BlobWriter`]).
//!
//! An ephemeral store (temporary, not durable) keeps blobs of up to [`MEMORY_BLOB`] in memory
//! instead, up to [`MEMORY_BYTES`] in all, beyond which they are files like the rest:
//! creating, writing through the page cache and later unlinking a file is most of what
//! storing a small body costs, and a tenth of a 1 MiB one. Readers ask
//! [`BlobStore::in_memory`] first and read the file only when it answers `None`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

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
    /// Small blobs held in memory (ephemeral stores only).
    memory: Option<Arc<Memory>>,
}

/// Bytes of blobs an ephemeral store keeps in memory at most.
pub const MEMORY_BYTES: usize = 256 * 1024 * 1024;

/// The largest blob an ephemeral store keeps in memory: below S3's 5 MiB minimum part size,
/// so that the parts of a large multipart upload (all but its last) are files and completing
/// it joins them in the kernel.
pub const MEMORY_BLOB: usize = 4 * 1024 * 1024;

/// The blobs an ephemeral store keeps in memory, and their total size.
#[derive(Debug, Default)]
struct Memory {
    blobs: Mutex<(HashMap<BlobId, Bytes>, usize)>,
}

impl Memory {
    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<BlobId, Bytes>, usize)> {
        self.blobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes `bytes` as blob `id` if they fit; hands them back if not.
    fn insert(&self, id: &BlobId, mut bytes: Vec<u8>) -> Result<(), Vec<u8>> {
        // The budget counts lengths: a body gathered in pieces gives back its spare capacity.
        bytes.shrink_to_fit();
        let mut m = self.lock();
        if m.1 + bytes.len() > MEMORY_BYTES {
            return Err(bytes);
        }
        m.1 += bytes.len();
        m.0.insert(id.clone(), Bytes::from(bytes));
        Ok(())
    }

    fn get(&self, id: &BlobId) -> Option<Bytes> {
        self.lock().0.get(id).cloned()
    }

    /// The `len` bytes at `start` of blob `id`, if it is here (`Some(Err)` if it is shorter).
    fn range(&self, id: &BlobId, start: u64, len: u64) -> Option<Result<Bytes, StoreError>> {
        let bytes = self.get(id)?;
        let range = usize::try_from(start)
            .ok()
            .zip(usize::try_from(start.saturating_add(len)).ok())
            .filter(|&(_, end)| end <= bytes.len());
        Some(match range {
            Some((from, to)) => Ok(bytes.slice(from..to)),
            None => Err(short_blob().into()),
        })
    }

    fn remove(&self, id: &BlobId) -> bool {
        let mut m = self.lock();
        match m.0.remove(id) {
            Some(b) => {
                m.1 -= b.len();
                true
            }
            None => false,
        }
    }
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
            memory: None,
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
        s.memory = Some(Arc::default());
        Ok(s)
    }

    /// Starts writing a new blob. Nothing touches the disk until the blob outgrows
    /// [`SMALL`] (in an ephemeral store [`MEMORY_BLOB`]) or is committed.
    pub async fn create(&self) -> Result<BlobWriter, StoreError> {
        let id = BlobId::fresh();
        Ok(BlobWriter {
            file: None,
            pending: Vec::new(),
            held: if self.memory.is_some() {
                MEMORY_BLOB
            } else {
                SMALL
            },
            tmp: self.root.join("tmp").join(id.as_str()),
            dest: self.path(&id),
            dir: self.root.join("data"),
            id,
            len: 0,
            durable: self.durable,
            memory: self.memory.clone(),
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

    /// The `len` bytes at `start` of blob `id`, if this store keeps it in memory (then it has
    /// no file): `Some(Err)` when the blob is shorter than that. Every reader asks this before
    /// opening the blob's file.
    pub fn in_memory(
        &self,
        id: &BlobId,
        start: u64,
        len: u64,
    ) -> Option<Result<Bytes, StoreError>> {
        self.memory.as_ref()?.range(id, start, len)
    }

    /// Opens a blob's file for reading (see [`BlobStore::in_memory`] first).
    pub async fn open_blob(&self, id: &BlobId) -> Result<tokio::fs::File, StoreError> {
        Ok(tokio::fs::File::open(self.path(id)).await?)
    }

    /// Reads a whole blob.
    pub async fn read(&self, id: &BlobId) -> Result<Vec<u8>, StoreError> {
        if let Some(b) = self.memory.as_ref().and_then(|m| m.get(id)) {
            return Ok(b.to_vec());
        }
        Ok(tokio::fs::read(self.path(id)).await?)
    }

    /// Deletes a blob; a missing blob is not an error. A store that is not durable unlinks
    /// in place: its files live in the page cache, and a hand-off to a blocking thread
    /// would cost more than the call.
    pub async fn delete(&self, id: &BlobId) {
        if self.memory.as_ref().is_some_and(|m| m.remove(id)) {
            return;
        }
        if self.durable {
            let _ = tokio::fs::remove_file(self.path(id)).await;
        } else {
            let _ = std::fs::remove_file(self.path(id));
        }
    }

    /// Deletes the blobs records name (by id, as stored); a name that is not a blob id is
    /// skipped.
    pub async fn delete_named<S: AsRef<str>>(&self, names: impl IntoIterator<Item = S>) {
        for name in names {
            if let Some(id) = BlobId::parse(name.as_ref()) {
                self.delete(&id).await;
            }
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

fn short_blob() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "blob shorter than requested",
    )
}

/// Blobs up to this size are kept in memory until `commit` writes them in one go.
const SMALL: usize = 64 * 1024;

/// A blob being written. A small blob (in an ephemeral store, one of up to [`MEMORY_BLOB`])
/// stays in memory until [`BlobWriter::commit`], which writes it with one blocking hand-off
/// when the store is durable (create, write, fsync, rename, directory fsync), keeps it in
/// memory in an ephemeral store (while the memory budget lasts), and otherwise writes it in
/// place (straight to its final name: a store that is not durable has no crash to survive,
/// and no record names the blob before `commit` returns). A larger one streams into a
/// temporary file. Dropping the writer without `commit` leaves at most a temp file, removed
/// at the next start.
pub struct BlobWriter {
    file: Option<tokio::fs::File>,
    /// Bytes written but not yet in `file`.
    pending: Vec<u8>,
    /// The most `pending` holds before the blob goes to a file.
    held: usize,
    tmp: PathBuf,
    dest: PathBuf,
    dir: PathBuf,
    id: BlobId,
    len: u64,
    durable: bool,
    memory: Option<Arc<Memory>>,
}

impl BlobWriter {
    /// Makes room for `len` more bytes when they would stay in memory: a body of known length
    /// is then copied once, not again each time its buffer grows.
    pub fn reserve(&mut self, len: u64) {
        let Ok(len) = usize::try_from(len) else {
            return;
        };
        if self.file.is_none() && self.pending.len().saturating_add(len) <= self.held {
            self.pending.reserve_exact(len);
        }
    }

    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.len += bytes.len() as u64;
        if self.file.is_none() && self.pending.len() + bytes.len() <= self.held {
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
    /// kernel (`copy_file_range` on Linux) on a blocking thread: no bytes of a blob file pass
    /// through this process, so joining large blobs costs neither memory nor much CPU (a
    /// small blob an ephemeral store keeps in memory is simply written).
    pub async fn append_blob(
        &mut self,
        src: &BlobId,
        start: u64,
        len: u64,
    ) -> Result<(), StoreError> {
        use std::io::{Read, Seek, SeekFrom};
        if let Some(part) = self.memory.as_ref().and_then(|m| m.range(src, start, len)) {
            return self.write(&part?).await;
        }
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
            return Err(short_blob().into());
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
            memory,
            ..
        } = self;
        match file {
            None if !durable => {
                let pending = match memory {
                    Some(m) => m.insert(&id, pending).err(),
                    None => Some(pending),
                };
                match pending {
                    // Over the memory budget: a large blob is written off the runtime.
                    Some(pending) if pending.len() > SMALL => {
                        tokio::task::spawn_blocking(move || std::fs::write(&dest, &pending))
                            .await
                            .map_err(|e| std::io::Error::other(e.to_string()))??
                    }
                    Some(pending) => std::fs::write(&dest, &pending)?,
                    None => {}
                }
            }
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
