//! A response body that streams a byte range of a blob file, so a GET of any size uses
//! constant memory.
//!
//! On Unix each frame is a read-only memory map of a window (up to 8 MiB) of the file,
//! populated on a blocking thread (so a page that is not in the page cache never stalls an
//! async worker) and handed to hyper as `Bytes` that own the map: the bytes go from the page
//! cache to the socket with one copy, no buffer is allocated or filled, and the window is
//! unmapped as soon as hyper has written it. Blobs are immutable once committed (written
//! under a temporary name, then renamed), so a mapped window never shrinks under a reader;
//! the file's length is still checked against the record before mapping. Windows under
//! 64 KiB, and every window off Unix, are read into a buffer instead.
//!
//! Whole blobs of up to one window stay mapped in a small [`MapCache`] (bounded in bytes,
//! least recently used out first), so a GET of a popular object is a lookup and a write —
//! no open, map, page faults or unmap, and no blocking-thread hop. A blob's id is never
//! reused, so a cached map can never show other bytes; a deleted blob's map only keeps its
//! disk space until it is evicted. A range of at most one window is one frame; a
//! longer one keeps the next window under way while hyper writes the current one.

#![allow(unsafe_code)]

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use cloudlet_core::body::{Body, BodyError};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::task::JoinHandle;

/// Bytes per window and per frame.
const WINDOW: u64 = 8 * 1024 * 1024;

type PendingRead = JoinHandle<std::io::Result<Bytes>>;

fn short() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "blob shorter than its record",
    )
}

/// A read-only, populated map of `len` bytes of a file at `offset`.
#[cfg(unix)]
struct Map {
    /// Start of the mapping (page aligned).
    base: *mut libc::c_void,
    /// Length of the mapping.
    mapped: usize,
    /// Where the requested bytes start within the mapping.
    skip: usize,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value alone; it is unmapped once, in
// `drop`, after every borrow of its bytes has ended.
#[cfg(unix)]
unsafe impl Send for Map {}
#[cfg(unix)]
unsafe impl Sync for Map {}

#[cfg(unix)]
impl Map {
    fn new(file: &std::fs::File, offset: u64, len: usize) -> std::io::Result<Map> {
        use std::os::fd::AsRawFd;
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
        let aligned = offset / page * page;
        let skip = (offset - aligned) as usize;
        let mapped = skip + len;
        #[cfg(target_os = "linux")]
        let flags = libc::MAP_PRIVATE | libc::MAP_POPULATE;
        #[cfg(not(target_os = "linux"))]
        let flags = libc::MAP_PRIVATE;
        // SAFETY: a fresh read-only private mapping of an open file; the kernel picks the
        // address. `mapped` is non-zero (only windows of at least `MAP_MIN` bytes are mapped).
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped,
                libc::PROT_READ,
                flags,
                file.as_raw_fd(),
                aligned as libc::off_t,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Map {
            base,
            mapped,
            skip,
            len,
        })
    }
}

#[cfg(unix)]
impl AsRef<[u8]> for Map {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `base..base+mapped` is mapped readable for the life of `self`, and
        // `skip + len == mapped`.
        unsafe { std::slice::from_raw_parts((self.base as *const u8).add(self.skip), self.len) }
    }
}

#[cfg(unix)]
impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`, once.
        unsafe {
            libc::munmap(self.base, self.mapped);
        }
    }
}

/// Windows shorter than this are read into a buffer: for a few KiB one `pread` costs less
/// than mapping, faulting in and unmapping.
const MAP_MIN: u64 = 64 * 1024;

/// A cached map, shared by the responses that are writing it.
#[cfg(unix)]
#[derive(Clone)]
struct Shared(Arc<Map>);

#[cfg(unix)]
impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_ref()
    }
}

/// Whole blobs kept mapped, up to a total size.
pub struct MapCache {
    #[cfg(unix)]
    inner: std::sync::Mutex<Entries>,
}

#[cfg(unix)]
#[derive(Default)]
struct Entries {
    maps: std::collections::HashMap<PathBuf, (Shared, u64)>,
    bytes: usize,
    tick: u64,
}

/// Bytes of blobs the cache keeps mapped at most.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

impl MapCache {
    pub fn new() -> MapCache {
        MapCache {
            #[cfg(unix)]
            inner: std::sync::Mutex::new(Entries::default()),
        }
    }

    #[cfg(unix)]
    fn get(&self, path: &PathBuf) -> Option<Bytes> {
        let mut e = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        e.tick += 1;
        let tick = e.tick;
        let (map, used) = e.maps.get_mut(path)?;
        *used = tick;
        Some(Bytes::from_owner(map.clone()))
    }

    #[cfg(unix)]
    fn insert(&self, path: PathBuf, map: Shared) {
        let len = map.0.len;
        if len > CACHE_BYTES / 8 {
            return;
        }
        let mut e = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        while e.bytes + len > CACHE_BYTES {
            let Some(oldest) = e
                .maps
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(p, _)| p.clone())
            else {
                break;
            };
            if let Some((m, _)) = e.maps.remove(&oldest) {
                e.bytes -= m.0.len;
            }
        }
        e.tick += 1;
        let tick = e.tick;
        if let Some((old, _)) = e.maps.insert(path, (map, tick)) {
            e.bytes -= old.0.len;
        }
        e.bytes += len;
    }
}

impl Default for MapCache {
    fn default() -> MapCache {
        MapCache::new()
    }
}

/// The `len` bytes at `offset` of a file at least `offset + len` long (checked by `stream`).
fn window(file: &std::fs::File, offset: u64, len: u64) -> std::io::Result<Bytes> {
    #[cfg(unix)]
    if len >= MAP_MIN {
        return Ok(Bytes::from_owner(Map::new(file, offset, len as usize)?));
    }
    read_at(file, offset, len)
}

fn read_at(file: &std::fs::File, offset: u64, len: u64) -> std::io::Result<Bytes> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(len as usize);
    f.take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        return Err(short());
    }
    Ok(Bytes::from(buf))
}

struct FileBody {
    file: Arc<std::fs::File>,
    /// Offset of the next window to map.
    next: u64,
    /// Bytes not yet handed to a window.
    unread: u64,
    /// Bytes not yet returned as frames.
    remaining: u64,
    reading: Option<PendingRead>,
}

impl FileBody {
    /// Starts the next window, if any bytes are left.
    fn read_ahead(&mut self) {
        if self.unread == 0 || self.reading.is_some() {
            return;
        }
        let want = self.unread.min(WINDOW);
        let offset = self.next;
        self.unread -= want;
        self.next += want;
        let file = self.file.clone();
        self.reading = Some(tokio::task::spawn_blocking(move || {
            window(&file, offset, want)
        }));
    }
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        self.read_ahead();
        let Some(reading) = self.reading.as_mut() else {
            return Poll::Ready(Some(Err("blob read ended early".into())));
        };
        let got = match Pin::new(reading).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(got) => got,
        };
        self.reading = None;
        match got {
            Ok(Ok(bytes)) => {
                self.remaining -= bytes.len() as u64;
                self.read_ahead();
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            Ok(Err(e)) => {
                self.remaining = 0;
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Err(e) => {
                self.remaining = 0;
                Poll::Ready(Some(Err(e.to_string().into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

impl Drop for FileBody {
    fn drop(&mut self) {
        // A client that went away leaves no read running for nobody.
        if let Some(r) = self.reading.take() {
            r.abort();
        }
    }
}

/// Streams `len` bytes of the blob file at `path` (`size` bytes long) starting at `start`;
/// the file is opened, its length checked (and a range of up to one window mapped whole)
/// before this returns. Whole blobs of up to one window come from, or go into, `cache`.
pub async fn stream(
    cache: &MapCache,
    path: PathBuf,
    size: u64,
    start: u64,
    len: u64,
) -> std::io::Result<Body> {
    let whole = start == 0 && len == size && (MAP_MIN..=WINDOW).contains(&len);
    #[cfg(unix)]
    if whole && let Some(bytes) = cache.get(&path) {
        return Ok(full(bytes));
    }
    let key = whole.then(|| path.clone());
    #[cfg(not(unix))]
    let _ = (cache, &key);
    let opened = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() < start.saturating_add(len) {
            return Err(short());
        }
        #[cfg(unix)]
        if whole {
            return Ok(Opened::Mapped(Shared(Arc::new(Map::new(
                &file,
                0,
                len as usize,
            )?))));
        }
        Ok(if len <= WINDOW {
            Opened::Read(window(&file, start, len)?)
        } else {
            Opened::Stream(file)
        })
    })
    .await
    .map_err(|e| std::io::Error::other(e.to_string()))??;
    Ok(match opened {
        #[cfg(unix)]
        Opened::Mapped(map) => {
            if let Some(key) = key {
                cache.insert(key, map.clone());
            }
            full(Bytes::from_owner(map))
        }
        Opened::Read(bytes) => full(bytes),
        Opened::Stream(file) => {
            let mut body = FileBody {
                file: Arc::new(file),
                next: start,
                unread: len,
                remaining: len,
                reading: None,
            };
            body.read_ahead();
            body.boxed_unsync()
        }
    })
}

/// What opening a blob for a GET produced.
enum Opened {
    /// A whole small blob, mapped (and then cached).
    #[cfg(unix)]
    Mapped(Shared),
    /// A range of at most one window, mapped or read.
    Read(Bytes),
    /// A longer range, streamed window by window.
    Stream(std::fs::File),
}

fn full(bytes: Bytes) -> Body {
    http_body_util::Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}
