//! Executes a bucket configuration operation ([`ConfigOp`]) by handing it to the module of
//! its document, and the store access they share: documents are read and written through
//! `config_store`, one durable write each, refused when the bucket is gone.

use cloudlet_core::{Request, RequestContext, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::id_configs::{self, IdKind};
use super::{acl, cors, lifecycle, notification, policy_status, replication, settings};
use crate::S3;
use crate::config_store;
use crate::error::{S3Error, S3Result};
use crate::protocol::Query;
use crate::subresource::{ConfigOp, Subresource, Verb};

pub async fn execute(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    op: ConfigOp,
    req: Request,
) -> S3Result<Response> {
    use Subresource::*;
    use Verb::*;
    let b = bucket;
    match (op.resource, op.verb) {
        (Cors, Get) => cors::get(s3, ctx, b),
        (Cors, Put) => cors::put(s3, ctx, b, req).await,
        (Cors, Delete) => cors::delete(s3, ctx, b).await,
        (Lifecycle, Get) => lifecycle::get(s3, ctx, b),
        (Lifecycle, Put) => lifecycle::put(s3, ctx, b, req).await,
        (Lifecycle, Delete) => lifecycle::delete(s3, ctx, b).await,
        (Encryption, Get) => settings::get_encryption(s3, ctx, b),
        (Encryption, Put) => settings::put_encryption(s3, ctx, b, req).await,
        (Encryption, Delete) => settings::delete_encryption(s3, ctx, b).await,
        (OwnershipControls, Get) => acl::get_ownership(s3, ctx, b),
        (OwnershipControls, Put) => acl::put_ownership(s3, ctx, b, req).await,
        (OwnershipControls, Delete) => acl::delete_ownership(s3, ctx, b).await,
        (Acl, Get) => acl::get_bucket_acl(s3, ctx, b),
        (Acl, Put) => acl::put_bucket_acl(s3, ctx, b, req).await,
        (Notification, Get) => notification::get_notification(s3, ctx, b),
        (Notification, Put) => notification::put_notification(s3, ctx, b, req).await,
        (RequestPayment, Get) => settings::get_request_payment(s3, ctx, b),
        (RequestPayment, Put) => settings::put_request_payment(s3, ctx, b, req).await,
        (Accelerate, Get) => settings::get_accelerate(s3, ctx, b),
        (Accelerate, Put) => settings::put_accelerate(s3, ctx, b, req).await,
        (Logging, Get) => settings::get_logging(s3, ctx, b),
        (Logging, Put) => settings::put_logging(s3, ctx, b, req).await,
        (Replication, Get) => replication::get(s3, ctx, b),
        (Replication, Put) => replication::put(s3, ctx, b, req).await,
        (Replication, Delete) => replication::delete(s3, ctx, b).await,
        (PolicyStatus, Get) => policy_status::get(s3, ctx, b),
        (Analytics | Inventory | Metrics | IntelligentTiering, verb) => {
            let kind = match op.resource {
                Analytics => IdKind::Analytics,
                Inventory => IdKind::Inventory,
                Metrics => IdKind::Metrics,
                _ => IdKind::IntelligentTiering,
            };
            let q = Query::parse(req.uri().query());
            match verb {
                Get => id_configs::get(s3, ctx, b, kind, &q),
                Put => id_configs::put(s3, ctx, b, kind, req).await,
                Delete => id_configs::delete(s3, ctx, b, kind, &q).await,
            }
        }
        (Acl | Notification | RequestPayment | Accelerate | Logging, Delete)
        | (PolicyStatus, Put | Delete) => Err(S3Error::NotImplemented),
    }
}

impl S3 {
    /// A stored configuration document of `bucket`.
    pub(crate) fn config<T: DeserializeOwned>(
        &self,
        bucket: &str,
        name: &str,
    ) -> S3Result<Option<T>> {
        Ok(self
            .store
            .read(|txn| config_store::get(txn, bucket, name))?)
    }

    /// Stores (`Some`) or removes (`None`) a configuration document of an existing bucket.
    pub(crate) async fn store_config<T>(
        &self,
        bucket: &str,
        name: &str,
        value: Option<T>,
    ) -> S3Result<()>
    where
        T: Serialize + Send + Sync + 'static,
    {
        let (b, n) = (bucket.to_string(), name.to_string());
        self.store
            .write(move |txn| {
                if crate::state::load_bucket(txn, &b)?.is_none() {
                    return Err(S3Error::NoSuchBucket(b.clone()));
                }
                match &value {
                    Some(v) => config_store::put(txn, &b, &n, v)?,
                    None => config_store::remove(txn, &b, &n)?,
                }
                Ok(())
            })
            .await
    }
}
