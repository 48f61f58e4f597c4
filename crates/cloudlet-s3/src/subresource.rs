//! Bucket configuration sub-resources (`?cors`, `?lifecycle`, `?encryption`, …) named by a
//! request's query: which document, and whether it is read, replaced or removed. Pure; the
//! documents themselves are parsed by their own modules and executed by `ops::subresource`.

use http::Method;

/// A bucket configuration document kept in the `s3.bucket_config` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subresource {
    Cors,
    Lifecycle,
    Encryption,
    OwnershipControls,
    Acl,
    Notification,
    RequestPayment,
    Accelerate,
    Logging,
    Replication,
    Analytics,
    Inventory,
    Metrics,
    IntelligentTiering,
    /// Read-only: derived from the bucket policy.
    PolicyStatus,
}

/// What a request does with the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Get,
    Put,
    Delete,
}

/// One bucket configuration operation (`GetBucketCors`, `PutBucketLifecycleConfiguration`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigOp {
    pub resource: Subresource,
    pub verb: Verb,
}

impl Subresource {
    /// The store key suffix (and query parameter) of the document.
    pub fn name(self) -> &'static str {
        match self {
            Subresource::Cors => "cors",
            Subresource::Lifecycle => "lifecycle",
            Subresource::Encryption => "encryption",
            Subresource::OwnershipControls => "ownershipControls",
            Subresource::Acl => "acl",
            Subresource::Notification => "notification",
            Subresource::RequestPayment => "requestPayment",
            Subresource::Accelerate => "accelerate",
            Subresource::Logging => "logging",
            Subresource::Replication => "replication",
            Subresource::Analytics => "analytics",
            Subresource::Inventory => "inventory",
            Subresource::Metrics => "metrics",
            Subresource::IntelligentTiering => "intelligent-tiering",
            Subresource::PolicyStatus => "policyStatus",
        }
    }

    fn from_query(name: &str) -> Option<Subresource> {
        Some(match name {
            "cors" => Subresource::Cors,
            "lifecycle" => Subresource::Lifecycle,
            "encryption" => Subresource::Encryption,
            "ownershipControls" => Subresource::OwnershipControls,
            "acl" => Subresource::Acl,
            "notification" => Subresource::Notification,
            "requestPayment" => Subresource::RequestPayment,
            "accelerate" => Subresource::Accelerate,
            "logging" => Subresource::Logging,
            "replication" => Subresource::Replication,
            "analytics" => Subresource::Analytics,
            "inventory" => Subresource::Inventory,
            "metrics" => Subresource::Metrics,
            "intelligent-tiering" => Subresource::IntelligentTiering,
            "policyStatus" => Subresource::PolicyStatus,
            _ => return None,
        })
    }

    /// Whether S3 has a Delete operation for the document.
    fn deletable(self) -> bool {
        matches!(
            self,
            Subresource::Cors
                | Subresource::Lifecycle
                | Subresource::Encryption
                | Subresource::OwnershipControls
                | Subresource::Replication
                | Subresource::Analytics
                | Subresource::Inventory
                | Subresource::Metrics
                | Subresource::IntelligentTiering
        )
    }

    /// Whether S3 has a Put operation for the document.
    fn writable(self) -> bool {
        self != Subresource::PolicyStatus
    }
}

/// The configuration operation of a bucket request with sub-resource `name`, if it is one.
pub fn config_op(method: &Method, name: &str) -> Option<ConfigOp> {
    let resource = Subresource::from_query(name)?;
    let verb = match *method {
        Method::GET => Verb::Get,
        Method::PUT if resource.writable() => Verb::Put,
        Method::DELETE if resource.deletable() => Verb::Delete,
        _ => return None,
    };
    Some(ConfigOp { resource, verb })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations() {
        use Subresource::*;
        let cases = [
            (Method::GET, "cors", Some((Cors, Verb::Get))),
            (Method::PUT, "lifecycle", Some((Lifecycle, Verb::Put))),
            (
                Method::DELETE,
                "encryption",
                Some((Encryption, Verb::Delete)),
            ),
            (
                Method::DELETE,
                "ownershipControls",
                Some((OwnershipControls, Verb::Delete)),
            ),
            (Method::DELETE, "acl", None),
            (Method::DELETE, "notification", None),
            (Method::PUT, "accelerate", Some((Accelerate, Verb::Put))),
            (Method::GET, "logging", Some((Logging, Verb::Get))),
            (Method::POST, "cors", None),
            (Method::GET, "replication", Some((Replication, Verb::Get))),
            (
                Method::DELETE,
                "intelligent-tiering",
                Some((IntelligentTiering, Verb::Delete)),
            ),
            (Method::PUT, "inventory", Some((Inventory, Verb::Put))),
            (Method::GET, "policyStatus", Some((PolicyStatus, Verb::Get))),
            (Method::PUT, "policyStatus", None),
            (Method::DELETE, "policyStatus", None),
            (Method::GET, "torrent", None),
        ];
        for (m, name, expected) in cases {
            let got = config_op(&m, name).map(|c| (c.resource, c.verb));
            assert_eq!(got, expected, "{m} {name}");
        }
    }
}
