//! S3: buckets, objects, versioning and Object Lock, bucket policies, Block Public Access
//! and the website endpoint.
//!
//! `protocol` turns a REST-XML request into an [`protocol::Op`]; `ops` executes it against
//! `state` and `versions` (the redb tables) and the blob store; `lock` holds the pure
//! Object Lock rules; `sse_c` the customer-key (SSE-C) headers and who they open;
//! `site` serves `{bucket}.s3-website…`;
//! `auth` decides who may do what from the bucket owner, the bucket policy and the
//! caller's IAM identity policies (evaluated by `cloudlet-policy`, parsed once per distinct
//! text by `policy_cache`) and Block Public Access. Errors are [`error::S3Error`], converted
//! into `AwsError` in one place. Bucket configuration sub-resources (CORS, lifecycle,
//! encryption, ownership, ACLs, …) live in `config_store`; `lifecycle_sweep` applies
//! lifecycle rules in the background.
//!
//! The same [`S3`] value serves both `ServiceId::S3` and `ServiceId::S3Website`.

mod acl;
mod auth;
mod bucket_policy;
mod checksum;
mod chunked;
mod config_error;
mod config_schema;
mod config_store;
mod cors;
mod crc64;
pub mod error;
mod filebody;
mod formdata;
mod lifecycle;
mod lifecycle_sweep;
mod lifecycle_xml;
mod lock;
mod mpstate;
mod ops;
mod policy_cache;
mod postpolicy;
mod precheck;
pub mod protocol;
mod site;
mod sse_c;
mod state;
mod storage_class;
mod subresource;
mod tagging;
mod upload;
mod versions;
#[cfg(test)]
mod versions_model;
mod website;
mod xml;

use std::sync::{Arc, OnceLock};

use cloudlet_core::traits::IdentityPolicies;
use cloudlet_core::{
    AwsError, BoxFuture, HostLabel, Request, RequestContext, Response, Service, ServiceId,
};
use cloudlet_store::Store;

use crate::error::{S3Error, S3Result};
use crate::ops::{
    batch, bucket, config, copy, list, list_versions, lock as object_lock, multipart, object, post,
    versioning,
};
use crate::protocol::Op;
pub use crate::subresource::ConfigOp;

/// The S3 service (REST API and website endpoint).
pub struct S3 {
    store: Store,
    lifecycle: lifecycle_sweep::Clock,
    /// Where callers' identity policies come from (IAM); unset, only bucket policies count.
    identity: OnceLock<Arc<dyn IdentityPolicies>>,
    /// Small blobs kept mapped for GET.
    maps: filebody::MapCache,
    /// Whether the store may hold object or upload ACLs an earlier cloudlet kept apart from
    /// their records (decided once, at startup; nothing writes them any more).
    legacy_acls: bool,
    /// Bucket and identity policies, parsed once per distinct text.
    policies: policy_cache::PolicyCache,
    /// Lambda, asked whether notification destinations may be invoked; unset, they are
    /// not checked.
    functions: OnceLock<Arc<dyn cloudlet_core::traits::LambdaInvoker>>,
}

impl S3 {
    /// The service over `store`; starts the lifecycle sweeper when called inside a tokio
    /// runtime.
    pub fn new(store: Store) -> Arc<S3> {
        let lifecycle = lifecycle_sweep::Clock::from_env();
        lifecycle_sweep::start(store.clone(), lifecycle);
        Arc::new(S3 {
            legacy_acls: ops::acl::legacy_acls_exist(&store),
            store,
            lifecycle,
            identity: OnceLock::new(),
            maps: filebody::MapCache::new(),
            policies: policy_cache::PolicyCache::new(),
            functions: OnceLock::new(),
        })
    }

    /// Makes PutBucketNotificationConfiguration check its Lambda destinations with
    /// `functions` (set once, at startup).
    pub fn set_functions(&self, functions: Arc<dyn cloudlet_core::traits::LambdaInvoker>) {
        let _ = self.functions.set(functions);
    }

    /// Makes S3 evaluate callers' identity policies from `source` (set once, at startup).
    pub fn set_identity_policies(&self, source: Arc<dyn IdentityPolicies>) {
        let _ = self.identity.set(source);
    }

    /// `ctx` with the identity policies, unique id and tags of its principal filled in
    /// (one IAM lookup), replacing any of an earlier principal.
    pub(crate) fn with_identity(&self, mut ctx: RequestContext) -> RequestContext {
        let identity = self.identity.get().and_then(|s| s.identity(&ctx.principal));
        let identity = identity.map(|i| (Arc::from(i.policies), i.unique_id, i.tags));
        (ctx.identity_policies, ctx.unique_id, ctx.principal_tags) = match identity {
            Some((policies, id, tags)) => (Some(policies), id, tags),
            None => (None, None, Vec::new()),
        };
        ctx
    }

    async fn api(&self, ctx: RequestContext, req: Request) -> S3Result<Response> {
        let label = req.extensions().get::<HostLabel>().map(|l| l.0.clone());
        let p = protocol::parse(
            req.method(),
            req.uri().path(),
            req.uri().query(),
            label.as_deref(),
            req.headers().contains_key("x-amz-copy-source"),
        )?;
        // An actual request's CORS headers go on its answer, error or not; a preflight
        // answers with its own.
        let origin = if p.op == Op::Preflight {
            None
        } else {
            ops::cors::ActualRequest::of(&req)
        };
        // The bucket is kept only for a request that has CORS headers to get.
        let bucket = origin.as_ref().map(|_| p.bucket.clone());
        let result = self.execute(ctx, req, p).await;
        let (Some(origin), Some(bucket)) = (origin, bucket) else {
            return result;
        };
        match result {
            Ok(mut r) => {
                ops::cors::decorate(self, &bucket, Some(&origin), &mut r);
                Ok(r)
            }
            Err(e) => Err(ops::cors::decorate_error(self, &bucket, Some(&origin), e)),
        }
    }

    async fn execute(
        &self,
        ctx: RequestContext,
        mut req: Request,
        p: protocol::Parsed,
    ) -> S3Result<Response> {
        let mut ctx = self.with_identity(ctx);
        let (b, k, q) = (p.bucket.as_str(), p.key.as_str(), &p.query);
        ctx.condition_keys = auth::request_keys(p.op, req.headers(), q);
        self.check_region(&ctx, p.op, b)?;
        self.check_expected_owners(p.op, b, req.headers())?;
        // An unread body is drained by the edge before the answer goes out.
        let mut pending = ops::request_config::before(self, &ctx, p.op, b, req.headers_mut())?;
        // An object write's ACL is stored in the object's (or upload's) own record.
        if let Some(acl) = pending.take_object_acl(p.op) {
            req.extensions_mut().insert(ops::acl::RequestedAcl(acl));
        }
        let mut r = match p.op {
            Op::ListBuckets => bucket::list(self, &ctx, q),
            Op::CreateBucket => bucket::create(self, &ctx, b, req).await,
            Op::DeleteBucket => bucket::delete(self, &ctx, b).await,
            Op::HeadBucket => bucket::head(self, &ctx, b),
            Op::GetBucketLocation => bucket::location(self, &ctx, b),
            Op::ListObjects => list::list(self, &ctx, b, q, req.headers(), false),
            Op::ListObjectsV2 => list::list(self, &ctx, b, q, req.headers(), true),
            Op::GetBucketPolicy => config::get_policy(self, &ctx, b),
            Op::PutBucketPolicy => config::put_policy(self, &ctx, b, req).await,
            Op::DeleteBucketPolicy => config::delete_policy(self, &ctx, b).await,
            Op::GetPublicAccessBlock => config::get_public_access_block(self, &ctx, b),
            Op::PutPublicAccessBlock => config::put_public_access_block(self, &ctx, b, req).await,
            Op::DeletePublicAccessBlock => config::delete_public_access_block(self, &ctx, b).await,
            Op::GetBucketWebsite => config::get_website(self, &ctx, b),
            Op::PutBucketWebsite => config::put_website(self, &ctx, b, req).await,
            Op::DeleteBucketWebsite => config::delete_website(self, &ctx, b).await,
            Op::PutObject => object::put(self, &ctx, b, k, req).await,
            Op::GetObject => versioning::get(self, &ctx, b, k, q, req, false).await,
            Op::HeadObject => versioning::get(self, &ctx, b, k, q, req, true).await,
            Op::DeleteObject => versioning::delete_object(self, &ctx, b, k, q, req).await,
            Op::CopyObject => copy::copy_object(self, &ctx, b, k, req).await,
            Op::DeleteObjects => batch::delete_objects(self, &ctx, b, req).await,
            Op::GetObjectTagging => batch::get_object_tagging(self, &ctx, b, k, q),
            Op::PutObjectTagging => batch::put_object_tagging(self, &ctx, b, k, q, req).await,
            Op::DeleteObjectTagging => batch::delete_object_tagging(self, &ctx, b, k, q).await,
            Op::GetBucketTagging => batch::get_bucket_tagging(self, &ctx, b),
            Op::PutBucketTagging => batch::put_bucket_tagging(self, &ctx, b, req).await,
            Op::DeleteBucketTagging => batch::delete_bucket_tagging(self, &ctx, b).await,
            Op::CreateMultipartUpload => multipart::create(self, &ctx, b, k, req).await,
            Op::UploadPart => multipart::upload_part(self, &ctx, b, k, q, req).await,
            Op::UploadPartCopy => multipart::upload_part_copy(self, &ctx, b, k, q, req).await,
            Op::CompleteMultipartUpload => multipart::complete(self, &ctx, b, k, q, req).await,
            Op::AbortMultipartUpload => multipart::abort(self, &ctx, b, k, q).await,
            Op::ListParts => multipart::list_parts(self, &ctx, b, k, q),
            Op::ListMultipartUploads => ops::list_uploads::list_uploads(self, &ctx, b, q),
            Op::PostObject => post::post_object(self, &ctx, b, req).await,
            Op::GetBucketVersioning => versioning::get_versioning(self, &ctx, b),
            Op::PutBucketVersioning => versioning::put_versioning(self, &ctx, b, req).await,
            Op::ListObjectVersions => list_versions::list(self, &ctx, b, q, req.headers()),
            Op::GetObjectLockConfiguration => object_lock::get_configuration(self, &ctx, b),
            Op::PutObjectLockConfiguration => {
                object_lock::put_configuration(self, &ctx, b, req).await
            }
            Op::GetObjectRetention => object_lock::get_retention(self, &ctx, b, k, q),
            Op::PutObjectRetention => object_lock::put_retention(self, &ctx, b, k, q, req).await,
            Op::GetObjectLegalHold => object_lock::get_legal_hold(self, &ctx, b, k, q),
            Op::PutObjectLegalHold => object_lock::put_legal_hold(self, &ctx, b, k, q, req).await,
            Op::BucketConfig(c) => ops::subresource::execute(self, &ctx, b, c, req).await,
            Op::GetObjectAcl => ops::acl::get_object_acl(self, &ctx, b, k, q),
            Op::PutObjectAcl => ops::acl::put_object_acl(self, &ctx, b, k, q, req).await,
            Op::GetObjectAttributes => {
                ops::attributes::get_object_attributes(self, &ctx, b, k, q, &req)
            }
            Op::RestoreObject => ops::restore::restore_object(self, &ctx, b, k, q, req).await,
            Op::UpdateObjectEncryption => {
                ops::object_encryption::update_object_encryption(self, &ctx, b, k, q, req).await
            }
            Op::Preflight => {
                let resource = if k.is_empty() { "BUCKET" } else { "OBJECT" };
                ops::cors::preflight(self, b, resource, req.headers())
            }
        }?;
        ops::request_config::after(self, p.op, b, k, q, pending, &mut r).await?;
        Ok(r)
    }

    /// A request signed (SigV4) for another region than its bucket's is refused before it
    /// is looked at further, naming the bucket's region in the body and in
    /// `x-amz-bucket-region`, from which the SDKs learn where to send it. CreateBucket and
    /// ListBuckets name no bucket of a region; GetBucketLocation is how a client asks for
    /// one, from any region; a missing bucket is left to the operation to report.
    fn check_region(&self, ctx: &RequestContext, op: Op, bucket: &str) -> S3Result<()> {
        let Some(signed_in) = ctx.signed_region else {
            return Ok(());
        };
        if matches!(
            op,
            Op::ListBuckets | Op::CreateBucket | Op::GetBucketLocation | Op::Preflight
        ) {
            return Ok(());
        }
        let Some(b) = self.store.read(|txn| state::get_bucket(txn, bucket))? else {
            return Ok(());
        };
        if b.region == ctx.region.as_str() {
            return Ok(());
        }
        Err(S3Error::WithHeaders {
            headers: vec![("x-amz-bucket-region", b.region.clone())],
            error: Box::new(S3Error::WrongRegion {
                signed: ctx.region.as_str().to_string(),
                region: b.region,
                signed_in,
            }),
        })
    }

    /// `x-amz-expected-bucket-owner` (and on copies `x-amz-source-expected-bucket-owner`):
    /// when the bucket exists and another account owns it, the request is refused before
    /// anything is read or changed. A missing bucket is left to the operation to report.
    fn check_expected_owners(&self, op: Op, bucket: &str, h: &http::HeaderMap) -> S3Result<()> {
        if matches!(op, Op::ListBuckets | Op::CreateBucket | Op::Preflight) {
            return Ok(());
        }
        let owned_by = |bucket: &str, expected: &str| -> S3Result<()> {
            match self.store.read(|txn| state::get_bucket(txn, bucket))? {
                Some(b) if b.owner != expected => Err(S3Error::AccessDenied),
                _ => Ok(()),
            }
        };
        if let Some(expected) = upload::hv(h, "x-amz-expected-bucket-owner") {
            owned_by(bucket, expected)?;
        }
        if matches!(op, Op::CopyObject | Op::UploadPartCopy)
            && let Some(expected) = upload::hv(h, "x-amz-source-expected-bucket-owner")
            && let Ok((source, _)) = copy::copy_source(h)
        {
            owned_by(&source, expected)?;
        }
        Ok(())
    }

    /// The website endpoint, with the bucket's CORS rules applied as on the REST API.
    async fn website(&self, ctx: &RequestContext, req: Request) -> S3Result<Response> {
        let bucket = req
            .extensions()
            .get::<HostLabel>()
            .map(|l| l.0.clone())
            .unwrap_or_default();
        if req.method() == http::Method::OPTIONS {
            return ops::cors::preflight(self, &bucket, "OBJECT", req.headers());
        }
        let origin = ops::cors::ActualRequest::of(&req);
        let mut ctx = ctx.clone();
        ctx.condition_keys = auth::request_keys(Op::GetObject, req.headers(), &Default::default());
        match site::handle(self, &ctx, req).await {
            Ok(mut r) => {
                ops::cors::decorate(self, &bucket, origin.as_ref(), &mut r);
                Ok(r)
            }
            Err(e) => Err(ops::cors::decorate_error(self, &bucket, origin.as_ref(), e)),
        }
    }
}

impl Service for S3 {
    fn handle(
        &self,
        ctx: RequestContext,
        req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async move {
            let (service, request_id) = (ctx.service, ctx.request_id.clone());
            let result = if ctx.service == ServiceId::S3Website {
                self.website(&ctx, req).await
            } else {
                self.api(ctx, req).await
            };
            match result {
                // S3 answers some errors with headers too (`x-amz-delete-marker`, …).
                Err(S3Error::WithHeaders { error, headers }) => {
                    let mut r = service
                        .protocol()
                        .render(&AwsError::from(*error), &request_id);
                    for (name, value) in headers {
                        ops::set_header(&mut r, name, &value);
                    }
                    Ok(r)
                }
                other => other.map_err(AwsError::from),
            }
        })
    }
}

/// A header map from `(name, value)` pairs, a repeated name kept twice, for unit tests.
#[cfg(test)]
pub(crate) fn test_headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}
