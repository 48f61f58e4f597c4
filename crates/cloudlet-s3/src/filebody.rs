//! A response body that streams a byte range of a blob file in fixed-size frames, so a GET
//! of any size uses constant memory.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use cloudlet_core::body::{Body, BodyError};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::io::{AsyncRead, ReadBuf};

const FRAME: usize = 64 * 1024;

struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
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
        let want = (self.remaining.min(FRAME as u64)) as usize;
        let mut buf = vec![0u8; want];
        let mut rb = ReadBuf::new(&mut buf);
        match Pin::new(&mut self.file).poll_read(cx, &mut rb) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(Ok(())) => {
                let n = rb.filled().len();
                if n == 0 {
                    return Poll::Ready(Some(Err("blob shorter than its record".into())));
                }
                buf.truncate(n);
                self.remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
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

/// Streams `len` bytes of `file` starting at `start`.
pub async fn stream(mut file: tokio::fs::File, start: u64, len: u64) -> std::io::Result<Body> {
    if start > 0 {
        use tokio::io::AsyncSeekExt;
        file.seek(std::io::SeekFrom::Start(start)).await?;
    }
    Ok(FileBody {
        file,
        remaining: len,
    }
    .boxed_unsync())
}
