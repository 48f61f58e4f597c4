//! The edge: the one listener every client talks to.
//!
//! For each request it identifies the service ([`route`]), derives account, region and
//! principal from the signature ([`sigv4`]), hands the request to the service's
//! [`Service`] and renders any error in that service's wire protocol, stamping the AWS
//! request-id headers on every response. It also serves `/_cloudlet/` ([`internal`]) and
//! forward-proxy requests for AWS endpoints (never for other hosts). With `--strict-auth` it
//! first verifies each signature ([`verify`], [`sigv2`]); in every mode it refuses expired
//! presigned S3 URLs, S3 requests signed twice (header and query) and S3 `Authorization`
//! headers it cannot read.
//!
//! The edge knows nothing about any one service's operations.

mod chunks;
pub mod clock;
mod drain;
mod forms;
mod internal;
mod presign;
pub mod route;
pub mod sigv2;
pub mod sigv4;
mod strict;
pub mod verify;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cloudlet_core::body::{self, Body};
use cloudlet_core::traits::{CredentialResolver, FormAuth};
use cloudlet_core::{
    AccountId, AwsError, BoxFuture, HostLabel, Principal, Region, RequestContext, RequestId,
    Response, Service, ServiceId,
};
use http::{HeaderValue, StatusCode, Uri, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::route::{Facts, Route};

/// Largest form body read to find a query-protocol `Action`.
const MAX_QUERY_BODY: usize = 1 << 20;

/// The services behind the edge and what it needs to authenticate callers.
pub struct Edge {
    services: HashMap<ServiceId, Arc<dyn Service>>,
    resolver: Option<Arc<dyn CredentialResolver>>,
    strict: Option<Arc<strict::StrictAuth>>,
    started: Instant,
    endpoint: String,
    port: u16,
}

impl Edge {
    /// An edge that will be reachable at `endpoint` (e.g. `http://127.0.0.1:4566`).
    pub fn new(endpoint: String, port: u16) -> Edge {
        Edge {
            services: HashMap::new(),
            resolver: None,
            strict: None,
            started: Instant::now(),
            endpoint,
            port,
        }
    }

    /// Puts `service` behind the edge.
    pub fn register(&mut self, id: ServiceId, service: Arc<dyn Service>) {
        self.services.insert(id, service);
    }

    /// Sets who resolves access keys to principals (IAM).
    pub fn set_resolver(&mut self, resolver: Arc<dyn CredentialResolver>) {
        self.resolver = Some(resolver);
    }

    /// Turns on strict mode: every signed request's SigV4 signature is verified against the
    /// root key pair given here or a key IAM issued (`secrets`); unsigned requests are
    /// refused except where AWS serves anonymous callers (S3, websites, deployed APIs).
    pub fn set_strict_auth(
        &mut self,
        secrets: Arc<dyn cloudlet_core::traits::SecretStore>,
        root_access_key: String,
        root_secret: String,
    ) {
        self.strict = Some(Arc::new(strict::StrictAuth {
            secrets,
            root_access_key,
            root_secret,
        }));
    }

    /// Serves connections from `listener` until `shutdown` resolves, then lets in-flight
    /// requests finish (up to 10 s) before returning.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        // Each connection task watches `stop`; on shutdown it finishes the request in flight
        // and closes. `tasks` lets us wait for all of them.
        let stop = Arc::new(tokio::sync::Notify::new());
        let mut tasks = tokio::task::JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(_) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            while tasks.try_join_next().is_some() {}
            let _ = stream.set_nodelay(true);
            let edge = self.clone();
            let stop = stop.clone();
            // IPv4 clients of a dual-stack listener appear as `::ffff:a.b.c.d`.
            let peer = peer.ip().to_canonical();
            tasks.spawn(async move {
                let stopped = stop.notified();
                let svc = hyper::service::service_fn(move |req| {
                    let edge = edge.clone();
                    async move { Ok::<_, Infallible>(edge.dispatch(req, peer).await) }
                });
                // AWS takes any number of headers within its 8 KB; hyper's default is 100.
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .max_headers(1000)
                    .serve_connection(TokioIo::new(stream), svc);
                let mut conn = std::pin::pin!(conn);
                tokio::select! {
                    _ = conn.as_mut() => {}
                    () = stopped => {
                        conn.as_mut().graceful_shutdown();
                        let _ = conn.await;
                    }
                }
            });
        }
        drop(listener);
        stop.notify_waiters();
        let _ = tokio::time::timeout(Duration::from_secs(10), async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
    }

    /// Handles one request from the wire.
    fn dispatch(
        self: Arc<Self>,
        req: http::Request<Incoming>,
        peer: std::net::IpAddr,
    ) -> BoxFuture<'static, Response> {
        let expects_continue = req
            .headers()
            .get(http::header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        let (parts, incoming) = req.into_parts();
        let (body, leftover) = drain::share(incoming);
        let req = http::Request::from_parts(parts, body);
        Box::pin(async move {
            let request_id = RequestId::new();
            let mut resp = match self.route_request(req, &request_id, peer).await {
                Ok(r) => r,
                Err((service, err)) => render(service, &err, &request_id),
            };
            stamp_request_id(&mut resp, &request_id);
            if let Some(&cloudlet_core::error::ReasonPhrase(reason)) = resp.extensions().get() {
                resp.extensions_mut()
                    .insert(hyper::ext::ReasonPhrase::from_static(reason.as_bytes()));
            }
            if leftover.drain(expects_continue).await {
                resp.headers_mut().insert(
                    http::header::CONNECTION,
                    http::HeaderValue::from_static("close"),
                );
            }
            resp
        })
    }

    async fn route_request(
        &self,
        mut req: http::Request<Body>,
        request_id: &RequestId,
        peer: std::net::IpAddr,
    ) -> Result<Response, (Option<ServiceId>, AwsError)> {
        if req.method() == http::Method::CONNECT {
            return Ok(refuse_proxy(req.uri().host().unwrap_or("")));
        }
        if req.uri().scheme().is_some() {
            absolute_to_origin_form(&mut req, self.port)?;
        }
        let host = host_of(&req);
        let path = req.uri().path().to_string();
        let query = req.uri().query().map(str::to_string);
        let authorization = header_str(&req, "authorization").map(str::to_string);
        let target = header_str(&req, "x-amz-target").map(str::to_string);
        let form = req.method() == http::Method::POST
            && header_str(&req, "content-type")
                .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        let credential = sigv4::credential(authorization.as_deref(), query.as_deref());
        let facts = Facts {
            host: &host,
            path: &path,
            target: target.as_deref(),
            form,
        };
        let route = route::identify(&facts, credential.as_ref());

        let (service, label, strip) = match route {
            Route::Internal => return Ok(internal::handle(self, &req)),
            Route::Service {
                service,
                label,
                strip,
            } => (service, label, strip),
            Route::Unknown { name } => {
                return Err((
                    None,
                    AwsError::new(
                        501,
                        "NotImplemented",
                        format!("The service {name} is not implemented by cloudlet"),
                    ),
                ));
            }
            Route::QueryAction => {
                let (parts, b) = req.into_parts();
                let bytes = body::collect(b, MAX_QUERY_BODY).await.map_err(|e| {
                    (
                        Some(ServiceId::Iam),
                        AwsError::client("InvalidRequest", e.to_string()),
                    )
                })?;
                let action = form_value(&bytes, "Action").or_else(|| {
                    query
                        .as_deref()
                        .and_then(|q| form_value(q.as_bytes(), "Action"))
                });
                let service = match action.as_deref() {
                    Some(a) if route::is_sts_action(a) => ServiceId::Sts,
                    _ => ServiceId::Iam,
                };
                req = http::Request::from_parts(parts, body::full(bytes));
                (service, None, 0)
            }
        };

        let signed_region = credential
            .as_ref()
            .filter(|c| c.region.is_some())
            .map(|c| c.signed_in);
        let region = credential
            .as_ref()
            .and_then(|c| c.region.as_deref())
            .or_else(|| route::region_from_host(&host))
            .and_then(Region::parse)
            .unwrap_or_default();
        match &self.strict {
            Some(strict) => {
                req = strict
                    .authenticate(service, label.as_deref(), req)
                    .await
                    .map_err(|e| (Some(service), e))?;
            }
            None if service == ServiceId::S3 => {
                presign::check(req.headers(), query.as_deref(), clock::now())
                    .and_then(|()| match credential {
                        // Also a header that is not text, which `authorization` lacks.
                        None if req.headers().contains_key("authorization") => {
                            presign::unreadable_header(req.headers()).map_or(Ok(()), Err)
                        }
                        _ => Ok(()),
                    })
                    .map_err(|e| {
                        (
                            Some(service),
                            strict::error(service, strict::Failure::Sig(e)),
                        )
                    })?;
            }
            None => {}
        }
        let (account, principal, access_key) = match &credential {
            Some(c) => {
                let principal = principal_for(
                    self.strict.as_deref(),
                    self.resolver.as_deref(),
                    &c.access_key,
                );
                let account = principal.account().cloned().unwrap_or_default();
                (account, principal, Some(c.access_key.clone()))
            }
            None => (AccountId::default(), Principal::Anonymous, None),
        };
        if service == ServiceId::S3 {
            req.extensions_mut()
                .insert(FormAuth(Arc::new(forms::EdgeForms {
                    resolver: self.resolver.clone(),
                    strict: self.strict.clone(),
                })));
        }
        if strip > 0 {
            strip_path_prefix(&mut req, strip);
        }
        if let Some(label) = label {
            req.extensions_mut().insert(HostLabel(label));
        }
        let ctx = RequestContext {
            request_id: request_id.clone(),
            service,
            account,
            region,
            signed_region,
            principal,
            access_key,
            endpoint: self.endpoint.clone(),
            identity_policies: None,
            unique_id: None,
            principal_tags: Vec::new(),
            source_ip: Some(peer),
            condition_keys: Vec::new(),
        };
        let Some(svc) = self.services.get(&service) else {
            return Err((
                Some(service),
                AwsError::new(
                    501,
                    "NotImplemented",
                    format!("{} is not available in this cloudlet yet", service.name()),
                ),
            ));
        };
        svc.handle(ctx, req).await.map_err(|e| (Some(service), e))
    }

    /// Seconds since the edge was created.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// The services registered, for health output.
    pub fn has_service(&self, id: ServiceId) -> bool {
        self.services.contains_key(&id)
    }
}

/// The principal an access key stands for: in strict mode the root key pair is the root of
/// the default account; keys IAM issued are their user or role session; any other key is the
/// root of the account it names (in strict mode such keys never get this far).
pub(crate) fn principal_for(
    strict: Option<&strict::StrictAuth>,
    resolver: Option<&dyn CredentialResolver>,
    access_key: &str,
) -> Principal {
    if strict.is_some_and(|s| s.is_root(access_key)) {
        return Principal::Root {
            account: AccountId::default(),
        };
    }
    resolver
        .and_then(|r| r.resolve(access_key))
        .unwrap_or_else(|| Principal::Root {
            account: AccountId::from_access_key(access_key),
        })
}

/// Renders an error; errors for services cloudlet does not know use the query/XML shape.
fn render(service: Option<ServiceId>, err: &AwsError, request_id: &RequestId) -> Response {
    let protocol = service
        .map(ServiceId::protocol)
        .unwrap_or(cloudlet_core::Protocol::Query {
            xmlns: "https://cloudlet.invalid/doc/unknown-service/",
        });
    protocol.render(err, request_id)
}

fn stamp_request_id(resp: &mut Response, request_id: &RequestId) {
    if let Ok(v) = HeaderValue::from_str(request_id.as_str()) {
        let h = resp.headers_mut();
        h.insert("x-amzn-requestid", v.clone());
        h.insert("x-amz-request-id", v.clone());
        h.insert("x-amz-id-2", v);
    }
}

fn header_str<'a>(req: &'a http::Request<Body>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The Host of a request, lowercase and without port.
fn host_of(req: &http::Request<Body>) -> String {
    let raw = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("");
    strip_port(raw).to_ascii_lowercase()
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map(|(h, _)| &host[..h.len() + 1])
            .unwrap_or(host);
    }
    host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
}

/// Turns `GET http://dynamodb.ap-northeast-2.amazonaws.com/ HTTP/1.1` into an origin-form
/// request with that Host, or refuses hosts that are not AWS endpoints.
fn absolute_to_origin_form(
    req: &mut http::Request<Body>,
    own_port: u16,
) -> Result<(), (Option<ServiceId>, AwsError)> {
    let uri = req.uri().clone();
    let host = uri.host().unwrap_or("").to_ascii_lowercase();
    if !route::proxy_allowed(&host, own_port, uri.port_u16()) {
        return Err((
            None,
            AwsError::new(
                403,
                "ProxyRefused",
                format!("cloudlet is not an open proxy: {host} is not an AWS service endpoint"),
            ),
        ));
    }
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_default();
    let pq = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    *req.uri_mut() = pq.parse::<Uri>().unwrap_or_else(|_| Uri::from_static("/"));
    if let Ok(v) = HeaderValue::from_str(&authority) {
        req.headers_mut().insert(header::HOST, v);
    }
    Ok(())
}

fn refuse_proxy(host: &str) -> Response {
    let mut r = Response::new(body::full(format!(
        "cloudlet is not an open proxy: CONNECT to {host} refused\n"
    )));
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

fn strip_path_prefix(req: &mut http::Request<Body>, n: usize) {
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let rest = pq.get(n..).unwrap_or("");
    let new = if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("/{rest}")
    };
    if let Ok(uri) = new.parse::<Uri>() {
        *req.uri_mut() = uri;
    }
}

/// The first value of `key` in a form-encoded body.
fn form_value(body: &[u8], key: &str) -> Option<String> {
    let s = std::str::from_utf8(body).ok()?;
    s.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into()
        })
    })
}

/// A JSON response with status 200.
pub(crate) fn json_response(v: &serde_json::Value) -> Response {
    let mut r = Response::new(body::full(Bytes::from(v.to_string())));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
