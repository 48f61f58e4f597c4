//! Reading what nobody read of a request body before the answer goes out.
//!
//! A service may answer without reading the body (a `PutObject` to a missing bucket, a
//! refused signature). hyper then closes the connection with the rest of the body unread,
//! and the kernel answers the client's remaining bytes with a reset that can destroy the
//! response before the client reads it: the client sees a broken connection instead of the
//! AWS error. So the edge keeps a handle on every request body and, once the answer is
//! ready, reads and discards what is left — up to [`DRAIN_LIMIT`] bytes and
//! [`DRAIN_TIME`] — before handing the answer to hyper. Bigger leftovers are abandoned, as
//! S3 itself closes such connections. A client that sent `Expect: 100-continue` and was never
//! asked for its body is not asked now. Whenever some of the body stays unread the answer
//! carries `Connection: close`, so that the client does not send its next request on a
//! connection hyper is about to close.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use cloudlet_core::body::{Body, BodyError};

/// Most bytes read and discarded after the answer is ready.
pub(crate) const DRAIN_LIMIT: u64 = 8 << 20;
/// Longest wait for them.
pub(crate) const DRAIN_TIME: Duration = Duration::from_secs(5);

#[derive(Default)]
struct State {
    body: Option<Incoming>,
    /// Whether the service polled the body at all (hyper sends `100 Continue` on the first
    /// poll).
    polled: bool,
}

/// The edge's handle on a request body it has handed to a service.
#[derive(Clone, Default)]
pub(crate) struct Handle(Arc<Mutex<State>>);

/// The request body a service sees: reads go through to the handle's `Incoming`.
struct Shared(Handle);

/// Splits `incoming` into the body a service reads and the handle the edge keeps.
pub(crate) fn share(incoming: Incoming) -> (Body, Handle) {
    let handle = Handle(Arc::new(Mutex::new(State {
        body: Some(incoming),
        polled: false,
    })));
    (Shared(handle.clone()).boxed_unsync(), handle)
}

impl HttpBody for Shared {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let mut state = match self.0.0.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        state.polled = true;
        let Some(body) = state.body.as_mut() else {
            return Poll::Ready(None);
        };
        Pin::new(body)
            .poll_frame(cx)
            .map_err(|e| Box::new(e) as BodyError)
    }

    fn is_end_stream(&self) -> bool {
        self.0
            .0
            .lock()
            .map(|s| s.body.as_ref().is_none_or(HttpBody::is_end_stream))
            .unwrap_or(true)
    }

    fn size_hint(&self) -> SizeHint {
        self.0
            .0
            .lock()
            .ok()
            .and_then(|s| s.body.as_ref().map(HttpBody::size_hint))
            .unwrap_or_default()
    }
}

impl Handle {
    /// Reads and discards what is left of the body, within the limits above; `true` when
    /// some of it stays unread, so that the connection cannot carry another request.
    pub(crate) async fn drain(&self, expects_continue: bool) -> bool {
        let (body, polled) = {
            let mut state = match self.0.lock() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
            (state.body.take(), state.polled)
        };
        let Some(mut body) = body else { return false };
        if body.is_end_stream() {
            return false;
        }
        if (expects_continue && !polled)
            || body.size_hint().exact().is_some_and(|n| n > DRAIN_LIMIT)
        {
            return true;
        }
        let drained = tokio::time::timeout(DRAIN_TIME, async {
            let mut read = 0u64;
            loop {
                match body.frame().await {
                    None => return true,
                    Some(Err(_)) => return false,
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            read += data.len() as u64;
                            if read > DRAIN_LIMIT {
                                return false;
                            }
                        }
                    }
                }
            }
        })
        .await;
        !matches!(drained, Ok(true))
    }
}
