//! The Lambda Runtime API one function instance talks to, served on its own loopback
//! listener: `GET /2018-06-01/runtime/invocation/next` hands out the next event,
//! `POST …/invocation/{id}/response|error` and `POST …/init/error` report back.
//!
//! Knows the Runtime API's wire shape, not functions or processes.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, oneshot, watch};

/// Largest response a runtime may post (Lambda's 6 MB synchronous limit, with slack).
const MAX_POST: usize = 7 << 20;

/// An invocation waiting for the runtime to take it.
pub struct Pending {
    pub request_id: String,
    pub payload: Bytes,
    pub deadline_ms: u64,
    pub function_arn: String,
    pub trace_id: String,
    /// Told when the runtime took the event.
    pub picked: oneshot::Sender<Instant>,
    pub reply: oneshot::Sender<Outcome>,
}

/// What the runtime reported for one invocation.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    Error(Bytes),
}

struct Shared {
    next: tokio::sync::Mutex<mpsc::Receiver<Pending>>,
    inflight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: watch::Sender<Option<Bytes>>,
}

/// A running Runtime API endpoint; stops serving when dropped.
pub struct RuntimeApi {
    pub port: u16,
    pub next: mpsc::Sender<Pending>,
    pub init_error: watch::Receiver<Option<Bytes>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl RuntimeApi {
    /// Binds `127.0.0.1:0` and starts serving.
    pub async fn start() -> std::io::Result<RuntimeApi> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let (tx, rx) = mpsc::channel(1);
        let (init_tx, init_rx) = watch::channel(None);
        let shared = Arc::new(Shared {
            next: tokio::sync::Mutex::new(rx),
            inflight: Mutex::new(HashMap::new()),
            init_error: init_tx,
        });
        let accept = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                while conns.try_join_next().is_some() {}
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(handle(&shared, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(RuntimeApi {
            port,
            next: tx,
            init_error: init_rx,
            accept,
        })
    }
}

type Resp = http::Response<Full<Bytes>>;

fn reply(status: u16, body: &str) -> Resp {
    let mut r = http::Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

async fn handle(shared: &Shared, req: http::Request<Incoming>) -> Resp {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") else {
        return reply(
            404,
            r#"{"errorMessage":"Not found","errorType":"NotFound"}"#,
        );
    };
    match (method, rest) {
        (http::Method::GET, "invocation/next") => next(shared).await,
        (http::Method::POST, "init/error") => {
            let body = read(req).await;
            shared.init_error.send_replace(Some(body));
            reply(202, r#"{"status":"OK"}"#)
        }
        (http::Method::POST, r) => {
            let Some(r) = r.strip_prefix("invocation/") else {
                return reply(
                    404,
                    r#"{"errorMessage":"Not found","errorType":"NotFound"}"#,
                );
            };
            let (id, kind) = match r.rsplit_once('/') {
                Some((id, k @ ("response" | "error"))) => (id.to_string(), k),
                _ => {
                    return reply(
                        404,
                        r#"{"errorMessage":"Not found","errorType":"NotFound"}"#,
                    );
                }
            };
            let body = read(req).await;
            let waiter = shared.inflight.lock().ok().and_then(|mut m| m.remove(&id));
            let Some(waiter) = waiter else {
                return reply(
                    400,
                    r#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#,
                );
            };
            let _ = waiter.send(if kind == "response" {
                Outcome::Response(body)
            } else {
                Outcome::Error(body)
            });
            reply(202, r#"{"status":"OK"}"#)
        }
        _ => reply(
            405,
            r#"{"errorMessage":"Method not allowed","errorType":"MethodNotAllowed"}"#,
        ),
    }
}

async fn read(req: http::Request<Incoming>) -> Bytes {
    let limited = http_body_util::Limited::new(req.into_body(), MAX_POST);
    limited
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default()
}

async fn next(shared: &Shared) -> Resp {
    let pending = shared.next.lock().await.recv().await;
    let Some(p) = pending else {
        return reply(
            500,
            r#"{"errorMessage":"The instance is shutting down","errorType":"ShuttingDown"}"#,
        );
    };
    if let Ok(mut m) = shared.inflight.lock() {
        m.insert(p.request_id.clone(), p.reply);
    }
    let _ = p.picked.send(Instant::now());
    let mut r = http::Response::new(Full::new(p.payload));
    let h = r.headers_mut();
    let pairs = [
        ("lambda-runtime-aws-request-id", p.request_id),
        ("lambda-runtime-deadline-ms", p.deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", p.function_arn),
        ("lambda-runtime-trace-id", p.trace_id),
    ];
    for (k, v) in pairs {
        if let Ok(v) = http::HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}
