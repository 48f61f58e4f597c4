//! A minimal AWS client for the demo: plain HTTP/1.1 to a cloudlet endpoint, speaking each
//! service's protocol (JSON, REST-JSON, REST-XML, query) as the SDKs do. Requests carry a
//! SigV4-shaped `Authorization` header naming the region and service (cloudlet accepts any
//! credentials by default), so they are routed and namespaced exactly like SDK requests.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// An answer from the server.
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    /// The AWS error code of a failed reply (from JSON `__type`, the error header or XML).
    pub fn error_code(&self) -> Option<String> {
        if self.status < 300 {
            return None;
        }
        if let Some(h) = self
            .headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
        {
            return Some(h.split(':').next().unwrap_or(h).to_string());
        }
        let j = self.json();
        if let Some(t) = j["__type"].as_str() {
            return Some(t.rsplit('#').next().unwrap_or(t).to_string());
        }
        let t = self.text();
        let start = t.find("<Code>")? + 6;
        let end = t[start..].find("</Code>")? + start;
        Some(t[start..end].to_string())
    }
    /// The AWS error message of a failed reply.
    pub fn error_message(&self) -> String {
        let j = self.json();
        if let Some(m) = j["message"].as_str().or(j["Message"].as_str()) {
            return m.to_string();
        }
        let t = self.text();
        match (t.find("<Message>"), t.find("</Message>")) {
            (Some(a), Some(b)) if b > a => t[a + 9..b].to_string(),
            _ => t,
        }
    }
}

/// A client bound to one endpoint and region.
pub struct Client {
    addr: SocketAddr,
    pub endpoint: String,
    pub region: String,
}

impl Client {
    pub fn new(endpoint: &str, region: &str) -> anyhow::Result<Client> {
        let authority = endpoint
            .strip_prefix("http://")
            .context("the endpoint must be an http:// URL")?
            .trim_end_matches('/');
        let addr = std::net::ToSocketAddrs::to_socket_addrs(authority)?
            .next()
            .with_context(|| format!("cannot resolve {authority}"))?;
        Ok(Client {
            addr,
            endpoint: endpoint.trim_end_matches('/').into(),
            region: region.into(),
        })
    }

    /// Sends one request; `service` is the SigV4 signing name (None: unsigned).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        service: Option<&str>,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> anyhow::Result<Reply> {
        let stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .with_context(|| format!("cannot reach cloudlet at {}", self.endpoint))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        let mut req = http::Request::builder().method(method).uri(path);
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            req = req.header("host", self.addr.to_string());
        }
        if let Some(svc) = service {
            req = req.header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=test/20260101/{}/{svc}/aws4_request, \
                     SignedHeaders=host, Signature=0",
                    self.region
                ),
            );
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body.into()))?;
        let resp = sender.send_request(req).await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// A JSON-protocol call (DynamoDB, Logs): `X-Amz-Target` + JSON body.
    pub async fn target(
        &self,
        service: &str,
        target: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<Reply> {
        let ct = if service == "dynamodb" {
            "application/x-amz-json-1.0"
        } else {
            "application/x-amz-json-1.1"
        };
        self.send(
            "POST",
            "/",
            Some(service),
            &[("x-amz-target", target), ("content-type", ct)],
            body.to_string(),
        )
        .await
    }

    /// A REST-JSON call (Lambda, API Gateway).
    pub async fn rest_json(
        &self,
        service: &str,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<Reply> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(
            method,
            path,
            Some(service),
            &[("content-type", "application/json")],
            body,
        )
        .await
    }

    /// A query-protocol call (IAM, STS).
    pub async fn query(&self, service: &str, params: &[(&str, &str)]) -> anyhow::Result<Reply> {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let body: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        self.send(
            "POST",
            "/",
            Some(service),
            &[(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            body.join("&"),
        )
        .await
    }
}

/// Fails with the server's error unless the reply succeeded or failed with one of `ok_codes`.
pub fn expect(reply: Reply, what: &str, ok_codes: &[&str]) -> anyhow::Result<Reply> {
    if reply.status < 300 {
        return Ok(reply);
    }
    match reply.error_code() {
        Some(code) if ok_codes.contains(&code.as_str()) => Ok(reply),
        code => bail!(
            "{what} failed: HTTP {} {}: {}",
            reply.status,
            code.unwrap_or_default(),
            reply.error_message()
        ),
    }
}
