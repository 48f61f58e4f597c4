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
//! Whole blobs of up to one window stay in a small [`MapCache`] once read (mapped, or for
//! blobs under 64 KiB copied to the heap; each kind bounded in bytes, the least recently
//! used out first), so a GET of a popular object, or of any range of it, is a lookup and a
//! write — no open, read, map, page faults or unmap, and no blocking-thread hop. A blob's
//! id is never reused, so a cached blob can never show other bytes; a deleted blob's entry
//! only keeps its memory (and a map its disk space) until it is evicted. A range of at most one window is one frame; a
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

/// Whole blobs kept in memory: blobs of up to one window as maps, smaller ones (under
/// [`MAP_MIN`], which are read rather than mapped) as copies on the heap, each kind within a
/// budget of its own.
pub struct MapCache {
    maps: std::sync::Mutex<Lru>,
    small: std::sync::Mutex<Lru>,
}

/// Bytes of blobs the cache keeps mapped at most.
const CACHE_BYTES: usize = 64 * 1024 * 1024;
/// Bytes of small blobs the cache keeps on the heap at most, bookkeeping included.
const SMALL_CACHE_BYTES: usize = 16 * 1024 * 1024;
/// What an entry costs beyond its bytes (its path, the map's slot, the queue's).
const ENTRY_OVERHEAD: usize = 256;

/// Entries within a byte budget, evicted by the CLOCK rule (an approximation of least
/// recently used): entries wait in insertion order; the oldest is evicted unless it was used
/// since it last came up, in which case it goes to the back. A hit only sets a flag.
struct Lru {
    budget: usize,
    bytes: usize,
    entries: std::collections::HashMap<PathBuf, Entry>,
    queue: std::collections::VecDeque<PathBuf>,
}

struct Entry {
    bytes: Bytes,
    cost: usize,
    used: bool,
}

impl Lru {
    fn new(budget: usize) -> Lru {
        Lru {
            budget,
            bytes: 0,
            entries: std::collections::HashMap::new(),
            queue: std::collections::VecDeque::new(),
        }
    }

    fn get(&mut self, path: &PathBuf) -> Option<Bytes> {
        let e = self.entries.get_mut(path)?;
        e.used = true;
        Some(e.bytes.clone())
    }

    fn insert(&mut self, path: PathBuf, bytes: Bytes, cost: usize) {
        if cost > self.budget / 8 || self.entries.contains_key(&path) {
            return;
        }
        while self.bytes + cost > self.budget {
            let Some(oldest) = self.queue.pop_front() else {
                break;
            };
            match self.entries.get_mut(&oldest) {
                Some(e) if e.used => {
                    e.used = false;
                    self.queue.push_back(oldest);
                }
                Some(_) => {
                    if let Some(e) = self.entries.remove(&oldest) {
                        self.bytes -= e.cost;
                    }
                }
                None => {}
            }
        }
        self.bytes += cost;
        self.queue.push_back(path.clone());
        self.entries.insert(
            path,
            Entry {
                bytes,
                cost,
                used: false,
            },
        );
    }
}

fn locked(m: &std::sync::Mutex<Lru>) -> std::sync::MutexGuard<'_, Lru> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MapCache {
    pub fn new() -> MapCache {
        MapCache {
            maps: std::sync::Mutex::new(Lru::new(CACHE_BYTES)),
            small: std::sync::Mutex::new(Lru::new(SMALL_CACHE_BYTES)),
        }
    }

    /// The kind of cache a whole blob of `len` bytes belongs in.
    fn for_len(&self, len: u64) -> &std::sync::Mutex<Lru> {
        if len < MAP_MIN {
            &self.small
        } else {
            &self.maps
        }
    }

    fn get(&self, path: &PathBuf, len: u64) -> Option<Bytes> {
        locked(self.for_len(len)).get(path)
    }

    fn insert(&self, path: PathBuf, bytes: Bytes) {
        let len = bytes.len();
        let cost = if (len as u64) < MAP_MIN {
            len + ENTRY_OVERHEAD
        } else {
            len
        };
        locked(self.for_len(len as u64)).insert(path, bytes, cost);
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
    let cacheable = (1..=WINDOW).contains(&size);
    if cacheable
        && let Some(bytes) = cache.get(&path, size)
        && let Some(range) = slice(start, len, bytes.len())
    {
        return Ok(full(bytes.slice(range)));
    }
    let whole = cacheable && start == 0 && len == size;
    let key = whole.then(|| path.clone());
    let opened = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() < start.saturating_add(len) {
            return Err(short());
        }
        #[cfg(unix)]
        if whole && len >= MAP_MIN {
            let map = Shared(Arc::new(Map::new(&file, 0, len as usize)?));
            return Ok(Opened::Read(Bytes::from_owner(map)));
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
        Opened::Read(bytes) => {
            if let Some(key) = key {
                cache.insert(key, bytes.clone());
            }
            full(bytes)
        }
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

/// The `len` bytes at `start` as a range of a buffer of `have` bytes, if it holds them.
fn slice(start: u64, len: u64, have: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= have as u64).then_some(start as usize..end as usize)
}

/// What opening a blob for a GET produced.
enum Opened {
    /// A range of at most one window (a whole blob of that size mapped whole), mapped or read.
    Read(Bytes),
    /// A longer range, streamed window by window.
    Stream(std::fs::File),
}

/// A response body of `bytes`, in one frame.
pub fn full(bytes: Bytes) -> Body {
    http_body_util::Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> PathBuf {
        PathBuf::from(name)
    }

    fn keys(l: &Lru) -> Vec<String> {
        let mut k: Vec<String> = l.entries.keys().map(|p| p.display().to_string()).collect();
        k.sort();
        k
    }

    #[test]
    fn slices() {
        for (start, len, have, want) in [
            (0, 10, 10, Some(0..10)),
            (3, 4, 10, Some(3..7)),
            (9, 1, 10, Some(9..10)),
            (9, 2, 10, None),
            (0, 11, 10, None),
            (u64::MAX, 1, 10, None),
        ] {
            assert_eq!(slice(start, len, have), want, "{start} {len} {have}");
        }
    }

    #[test]
    fn lru_evicts_the_unused_oldest_first() {
        let mut l = Lru::new(400);
        let put = |l: &mut Lru, names: &str| {
            for n in names.chars() {
                l.insert(p(&n.to_string()), Bytes::from_static(b"x"), 50);
            }
        };
        put(&mut l, "abcdefgh");
        assert_eq!(l.bytes, 400);
        // "a" was used, so "b" is the first to go and "a" gets another round.
        assert!(l.get(&p("a")).is_some());
        put(&mut l, "i");
        assert_eq!(keys(&l), ["a", "c", "d", "e", "f", "g", "h", "i"]);
        put(&mut l, "jklmno");
        assert_eq!(keys(&l), ["a", "i", "j", "k", "l", "m", "n", "o"]);
        // Nobody used "a" since its reprieve.
        put(&mut l, "p");
        assert_eq!(keys(&l), ["i", "j", "k", "l", "m", "n", "o", "p"]);
        assert_eq!(l.bytes, 400);
        assert_eq!(l.queue.len(), l.entries.len());
    }

    #[test]
    fn lru_refuses_entries_over_an_eighth_and_keeps_the_first_copy() {
        let mut l = Lru::new(80);
        l.insert(p("big"), Bytes::from_static(b"x"), 11);
        assert!(l.get(&p("big")).is_none());
        l.insert(p("a"), Bytes::from_static(b"1"), 10);
        l.insert(p("a"), Bytes::from_static(b"2"), 10);
        assert_eq!(l.get(&p("a")).unwrap(), Bytes::from_static(b"1"));
        assert_eq!((l.bytes, l.queue.len()), (10, 1));
    }

    #[test]
    fn small_and_mapped_blobs_have_budgets_of_their_own() {
        let c = MapCache::new();
        c.insert(p("small"), Bytes::from(vec![1u8; 100]));
        c.insert(p("big"), Bytes::from(vec![2u8; MAP_MIN as usize]));
        assert_eq!(locked(&c.small).bytes, 100 + ENTRY_OVERHEAD);
        assert_eq!(locked(&c.maps).bytes, MAP_MIN as usize);
        assert_eq!(c.get(&p("small"), 100).unwrap().len(), 100);
        assert!(c.get(&p("small"), MAP_MIN).is_none());
    }
}
