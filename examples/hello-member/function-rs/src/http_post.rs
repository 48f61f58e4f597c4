//! One HTTP/1.1 POST over a fresh connection, to the endpoint or through the forward proxy
//! its `Route` names, and the whole answer read back.
//!
//! Knows HTTP, not AWS: the caller brings every header, signed.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use crate::endpoint::Route;

/// The status and body of an answer.
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

/// Sends `body` with `headers` (which must hold `host`) along `route`.
pub async fn post(
    route: &Route,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    let stream = tokio::net::TcpStream::connect(route.connect_to()).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let driver = tokio::spawn(conn);
    let mut req = http::Request::post(route.request_target());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = sender
        .send_request(req.body(Full::new(Bytes::from(body)))?)
        .await?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await?.to_bytes();
    drop(sender);
    driver.abort();
    Ok(Reply { status, body })
}
