//! cloudlet's own endpoints under `/_cloudlet/`: health now, the console later.

use cloudlet_core::body::{self, Body};
use cloudlet_core::{Response, ServiceId};
use http::StatusCode;

use crate::{Edge, json_response};

/// The version reported by health.
const VERSION: &str = env!("CARGO_PKG_VERSION");

pub(crate) fn handle(edge: &Edge, req: &http::Request<Body>) -> Response {
    match (req.method().as_str(), req.uri().path()) {
        ("GET" | "HEAD", "/_cloudlet/health") => {
            let mut services = serde_json::Map::new();
            for id in ServiceId::ALL {
                let state = if edge.has_service(id) {
                    "running"
                } else {
                    "not implemented"
                };
                services.insert(id.name().to_string(), state.into());
            }
            json_response(&serde_json::json!({
                "version": VERSION,
                "uptime_seconds": edge.uptime().as_secs_f64(),
                "services": services,
            }))
        }
        _ => {
            let mut r = json_response(&serde_json::json!({"message": "Not Found"}));
            *r.status_mut() = StatusCode::NOT_FOUND;
            let _ = body::empty;
            r
        }
    }
}
