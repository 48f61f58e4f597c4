//! A response body that streams a byte range of a blob file, so a GET of any size uses
//! constant memory.
//!
//! Reads are large (1 MiB) and run on a blocking thread with a plain `std::fs::File`, each
//! into a fresh buffer that std fills without zeroing first and that becomes the frame as it
//! is (no copy). A range of at most one read is answered as one frame; a longer one keeps
//! the next read under way while hyper writes the current frame.

use std::future::Future;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use cloudlet_core::body::{Body, BodyError};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::task::JoinHandle;

/// Bytes per read and per frame.
const CHUNK: u64 = 1024 * 1024;

type PendingRead = JoinHandle<std::io::Result<Bytes>>;

/// Reads exactly `len` bytes at the file's current offset.
fn read_chunk(file: &std::fs::File, len: u64) -> std::io::Result<Bytes> {
    let mut buf = Vec::with_capacity(len as usize);
    file.take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "blob shorter than its record",
        ));
    }
    Ok(Bytes::from(buf))
}

struct FileBody {
    file: Arc<std::fs::File>,
    /// Bytes not yet handed to a read.
    unread: u64,
    /// Bytes not yet returned as frames.
    remaining: u64,
    reading: Option<PendingRead>,
}

impl FileBody {
    /// Starts the next read, if any bytes are left to read.
    fn read_ahead(&mut self) {
        if self.unread == 0 || self.reading.is_some() {
            return;
        }
        let want = self.unread.min(CHUNK);
        self.unread -= want;
        let file = self.file.clone();
        self.reading = Some(tokio::task::spawn_blocking(move || read_chunk(&file, want)));
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

/// Streams `len` bytes of the file at `path` starting at `start`; the file is opened (and a
/// range of up to one chunk read whole) before this returns.
pub async fn stream(path: PathBuf, start: u64, len: u64) -> std::io::Result<Body> {
    let opened = tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(path)?;
        if start > 0 {
            file.seek(SeekFrom::Start(start))?;
        }
        let first = if len <= CHUNK {
            Some(read_chunk(&file, len)?)
        } else {
            None
        };
        Ok::<_, std::io::Error>((file, first))
    })
    .await
    .map_err(|e| std::io::Error::other(e.to_string()))??;
    Ok(match opened {
        (_, Some(bytes)) => http_body_util::Full::new(bytes)
            .map_err(|never| match never {})
            .boxed_unsync(),
        (file, None) => {
            let mut body = FileBody {
                file: Arc::new(file),
                unread: len,
                remaining: len,
                reading: None,
            };
            body.read_ahead();
            body.boxed_unsync()
        }
    })
}
