//! Which service a request is for, decided from what the AWS SDKs, the CLI and browsers
//! send: the path (internal and `/_aws/execute-api/` routes), data-plane Hosts, the
//! `X-Amz-Target` header, the SigV4 credential scope, AWS endpoint Hosts, and finally the
//! query protocol's `Action`. Pure: no I/O, table-tested.

use cloudlet_core::ServiceId;

use crate::sigv4::Credential;

/// The facts about a request that routing looks at.
#[derive(Clone, Copy, Debug, Default)]
pub struct Facts<'a> {
    /// Host without port, lowercase.
    pub host: &'a str,
    pub path: &'a str,
    pub target: Option<&'a str>,
    /// Whether the body is `application/x-www-form-urlencoded` (query protocol).
    pub form: bool,
}

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/_cloudlet/…`.
    Internal,
    /// A service; `label` is the bucket or API id named by Host or path; `strip` is how many
    /// leading path bytes to drop (the `/_aws/execute-api/{api}` prefix).
    Service {
        service: ServiceId,
        label: Option<String>,
        strip: usize,
    },
    /// A query-protocol request without a signature: IAM or STS, decided by its `Action`.
    QueryAction,
    /// An AWS service cloudlet does not serve.
    Unknown { name: String },
}

fn service(service: ServiceId, label: Option<&str>) -> Route {
    Route::Service {
        service,
        label: label.map(str::to_string),
        strip: 0,
    }
}

/// The service named by an SDK signing name.
pub fn by_signing_name(name: &str) -> Option<ServiceId> {
    Some(match name {
        "s3" => ServiceId::S3,
        "dynamodb" => ServiceId::DynamoDb,
        "lambda" => ServiceId::Lambda,
        "apigateway" => ServiceId::ApiGateway,
        "execute-api" => ServiceId::ExecuteApi,
        "iam" => ServiceId::Iam,
        "sts" => ServiceId::Sts,
        "logs" => ServiceId::Logs,
        _ => return None,
    })
}

/// STS actions; every other query-protocol action goes to IAM.
pub fn is_sts_action(action: &str) -> bool {
    matches!(
        action,
        "AssumeRole"
            | "AssumeRoleWithSAML"
            | "AssumeRoleWithWebIdentity"
            | "AssumeRoot"
            | "DecodeAuthorizationMessage"
            | "GetAccessKeyInfo"
            | "GetCallerIdentity"
            | "GetFederationToken"
            | "GetSessionToken"
    )
}

/// The bucket of a virtual-hosted S3 Host (`bucket.s3.amazonaws.com`,
/// `bucket.s3.ap-northeast-2.amazonaws.com`, `bucket.s3-us-west-2.amazonaws.com`,
/// `bucket.s3.localhost`, and `bucket.localhost`, which SDKs address for a
/// `http://localhost:PORT` endpoint without path style).
fn s3_virtual_bucket(host: &str) -> Option<&str> {
    if let Some(idx) = host.find(".s3.").or_else(|| host.find(".s3-")) {
        let bucket = &host[..idx];
        return (!bucket.is_empty() && !host[idx..].starts_with(".s3-website")).then_some(bucket);
    }
    host.strip_suffix(".localhost")
        .filter(|bucket| !bucket.is_empty() && *bucket != "s3")
}

/// The label before `marker` in `host` (`{label}.s3-website…`, `{label}.execute-api…`).
fn label_before<'a>(host: &'a str, marker: &str) -> Option<&'a str> {
    let idx = host.find(marker)?;
    let label = &host[..idx];
    (!label.is_empty() && !label.contains('/')).then_some(label)
}

/// The service named by an AWS endpoint Host (`dynamodb.ap-northeast-2.amazonaws.com`).
fn by_endpoint_host(host: &str) -> Option<Route> {
    let rest = host.strip_suffix(".amazonaws.com")?;
    if rest.starts_with("streams.dynamodb.") {
        return Some(service(ServiceId::DynamoDbStreams, None));
    }
    if let Some(bucket) = s3_virtual_bucket(host) {
        return Some(service(ServiceId::S3, Some(bucket)));
    }
    let first = rest.split('.').next().unwrap_or("");
    if first == "s3" || first.starts_with("s3-") {
        return Some(service(ServiceId::S3, None));
    }
    by_signing_name(first).map(|s| service(s, None))
}

/// Identifies the service of a request.
pub fn identify(facts: &Facts<'_>, credential: Option<&Credential>) -> Route {
    if facts.path == "/_cloudlet" || facts.path.starts_with("/_cloudlet/") {
        return Route::Internal;
    }
    if let Some(rest) = facts.path.strip_prefix("/_aws/execute-api/") {
        let api = rest.split('/').next().unwrap_or("");
        if !api.is_empty() {
            let strip = "/_aws/execute-api/".len() + api.len();
            return Route::Service {
                service: ServiceId::ExecuteApi,
                label: Some(api.to_string()),
                strip,
            };
        }
    }
    let host = facts.host;
    if let Some(bucket) = label_before(host, ".s3-website") {
        return service(ServiceId::S3Website, Some(bucket));
    }
    if let Some(api) = label_before(host, ".execute-api.") {
        return service(ServiceId::ExecuteApi, Some(api));
    }
    if let Some(target) = facts.target {
        let prefix = target.split('.').next().unwrap_or("");
        return match prefix {
            "DynamoDB_20120810" => service(ServiceId::DynamoDb, None),
            "DynamoDBStreams_20120810" => service(ServiceId::DynamoDbStreams, None),
            "Logs_20140328" => service(ServiceId::Logs, None),
            other => Route::Unknown {
                name: other.to_string(),
            },
        };
    }
    if let Some(name) = credential.and_then(|c| c.service.as_deref()) {
        return match by_signing_name(name) {
            Some(ServiceId::S3) => service(ServiceId::S3, s3_virtual_bucket(host)),
            Some(s) => service(s, None),
            None => Route::Unknown {
                name: name.to_string(),
            },
        };
    }
    if let Some(route) = by_endpoint_host(host) {
        return route;
    }
    if facts.form {
        return Route::QueryAction;
    }
    service(ServiceId::S3, s3_virtual_bucket(host))
}

/// The region named by an AWS endpoint Host, if any.
pub fn region_from_host(host: &str) -> Option<&str> {
    let rest = host.strip_suffix(".amazonaws.com")?;
    let parts: Vec<&str> = rest.split('.').collect();
    // `{svc}.{region}`, `{label}.{svc}.{region}`, `{bucket}.s3-website-{region}`.
    let looks_like_region =
        |p: &str| p.split('-').count() >= 3 && p.ends_with(|c: char| c.is_ascii_digit());
    let last = parts.last()?;
    for prefix in ["s3-website-", "s3-"] {
        if let Some(r) = last.strip_prefix(prefix)
            && looks_like_region(r)
        {
            return Some(r);
        }
    }
    looks_like_region(last).then_some(*last)
}

/// Whether cloudlet may serve an absolute-form (forward-proxy) request for `host`: only
/// AWS service endpoints and this server itself, never arbitrary hosts.
pub fn proxy_allowed(host: &str, own_port: u16, port: Option<u16>) -> bool {
    if host.ends_with(".amazonaws.com") {
        return true;
    }
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost");
    local && port == Some(own_port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(service: &str) -> Credential {
        Credential {
            access_key: "test".into(),
            region: None,
            service: Some(service.into()),
            signed_in: cloudlet_core::SignedIn::Header,
        }
    }

    fn check(host: &str, path: &str, target: Option<&str>, signed: Option<&str>, want: Route) {
        let facts = Facts {
            host,
            path,
            target,
            form: false,
        };
        let c = signed.map(cred);
        assert_eq!(
            identify(&facts, c.as_ref()),
            want,
            "host={host} path={path}"
        );
    }

    fn svc(s: ServiceId, label: Option<&str>) -> Route {
        service(s, label)
    }

    #[test]
    fn identifies_services() {
        use ServiceId::*;
        check(
            "127.0.0.1",
            "/_cloudlet/health",
            None,
            None,
            Route::Internal,
        );
        check("127.0.0.1", "/", None, Some("sts"), svc(Sts, None));
        check(
            "127.0.0.1",
            "/",
            Some("DynamoDB_20120810.PutItem"),
            Some("dynamodb"),
            svc(DynamoDb, None),
        );
        check(
            "127.0.0.1",
            "/",
            Some("DynamoDBStreams_20120810.GetRecords"),
            Some("dynamodb"),
            svc(DynamoDbStreams, None),
        );
        check(
            "127.0.0.1",
            "/",
            Some("Logs_20140328.GetLogEvents"),
            Some("logs"),
            svc(Logs, None),
        );
        check(
            "127.0.0.1",
            "/",
            Some("AmazonSQS.SendMessage"),
            Some("sqs"),
            Route::Unknown {
                name: "AmazonSQS".into(),
            },
        );
        check(
            "127.0.0.1",
            "/",
            None,
            Some("sqs"),
            Route::Unknown { name: "sqs".into() },
        );
        check(
            "127.0.0.1",
            "/2015-03-31/functions",
            None,
            Some("lambda"),
            svc(Lambda, None),
        );
        check("127.0.0.1", "/bucket/key", None, Some("s3"), svc(S3, None));
        check(
            "mybucket.s3.localhost",
            "/key",
            None,
            Some("s3"),
            svc(S3, Some("mybucket")),
        );
        check(
            "my.bucket.s3.ap-northeast-2.amazonaws.com",
            "/k",
            None,
            None,
            svc(S3, Some("my.bucket")),
        );
        check("127.0.0.1", "/bucket/key", None, None, svc(S3, None));
        for (host, signed, bucket) in [
            ("mybucket.localhost", Some("s3"), Some("mybucket")),
            ("mybucket.localhost", None, Some("mybucket")),
            (
                "my.dotted.bucket.localhost",
                Some("s3"),
                Some("my.dotted.bucket"),
            ),
            ("s3.localhost", Some("s3"), None),
            ("s3.localhost", None, None),
            ("localhost", Some("s3"), None),
            (".localhost", None, None),
        ] {
            check(host, "/key", None, signed, svc(S3, bucket));
        }
        check(
            "site.s3-website.localhost",
            "/",
            None,
            None,
            svc(S3Website, Some("site")),
        );
        check(
            "site.s3-website.ap-northeast-2.amazonaws.com",
            "/",
            None,
            None,
            svc(S3Website, Some("site")),
        );
        check(
            "site.s3-website-us-west-2.amazonaws.com",
            "/",
            None,
            None,
            svc(S3Website, Some("site")),
        );
        check(
            "abc123.execute-api.localhost",
            "/dev/",
            None,
            None,
            svc(ExecuteApi, Some("abc123")),
        );
        check(
            "dynamodb.ap-northeast-2.amazonaws.com",
            "/",
            None,
            None,
            svc(DynamoDb, None),
        );
        check("iam.amazonaws.com", "/", None, None, svc(Iam, None));
        check(
            "127.0.0.1",
            "/_aws/execute-api/abc123/dev/x",
            None,
            None,
            Route::Service {
                service: ExecuteApi,
                label: Some("abc123".into()),
                strip: 24,
            },
        );
        let form = Facts {
            host: "127.0.0.1",
            path: "/",
            target: None,
            form: true,
        };
        assert_eq!(identify(&form, None), Route::QueryAction);
    }

    #[test]
    fn regions_from_hosts() {
        let cases = [
            (
                "dynamodb.ap-northeast-2.amazonaws.com",
                Some("ap-northeast-2"),
            ),
            ("b.s3.eu-west-1.amazonaws.com", Some("eu-west-1")),
            ("b.s3-website-us-west-2.amazonaws.com", Some("us-west-2")),
            (
                "b.s3-website.ap-northeast-2.amazonaws.com",
                Some("ap-northeast-2"),
            ),
            ("iam.amazonaws.com", None),
            ("s3.amazonaws.com", None),
            ("localhost", None),
        ];
        for (host, want) in cases {
            assert_eq!(region_from_host(host), want, "{host}");
        }
    }

    #[test]
    fn proxy_is_not_open() {
        let cases = [
            ("dynamodb.ap-northeast-2.amazonaws.com", None, true),
            ("example.com", None, false),
            ("amazonaws.com.evil.com", None, false),
            ("127.0.0.1", Some(4566), true),
            ("127.0.0.1", Some(22), false),
            ("localhost", None, false),
        ];
        for (host, port, want) in cases {
            assert_eq!(proxy_allowed(host, 4566, port), want, "{host}:{port:?}");
        }
    }
}
