//! RestoreObject (`POST /{key}?restore`): makes a temporary readable copy of an archived
//! (GLACIER, DEEP_ARCHIVE) object for `Days` days. The copy is ready at once — there is no
//! tape to wait for locally — so the first request answers 202 Accepted with the restore
//! already finished, a later one 200 OK with the expiry moved. The object's record keeps
//! `x-amz-restore: ongoing-request="false", expiry-date="…"`, which HEAD and GET echo and
//! `storage_class::readable` honours. Objects of other classes answer InvalidObjectState.
//! Listings asked for `x-amz-optional-object-attributes: RestoreStatus` show it as
//! `<RestoreStatus>`.

use cloudlet_core::{Request, RequestContext, Response};
use http::StatusCode;

use cloudlet_core::xml::XmlWriter;

use super::{empty, http_date, iso8601, now_ms, set_header, xml_body};
use crate::S3;
use crate::error::{S3Error, S3Result};
use crate::lifecycle::DAY_MS;
use crate::protocol::Query;
use crate::storage_class::{self, RESTORE};
use crate::versions;

/// The `Days` of a RestoreRequest document: a positive whole number.
fn days(doc: &crate::xml::Element) -> S3Result<u64> {
    if doc.name != "RestoreRequest" {
        return Err(S3Error::MalformedXml);
    }
    match doc.child_text("Days") {
        Some(d) => d
            .parse::<u64>()
            .ok()
            .filter(|d| (1..=36_500).contains(d))
            .ok_or(S3Error::MalformedXml),
        None => Err(S3Error::MalformedXml),
    }
}

/// The `x-amz-restore` value of a copy restored at `now` for `days`: it expires at the
/// midnight (UTC) after `days` whole days, as S3 rounds it.
fn restore_header(now: u64, days: u64) -> String {
    let expiry = (now / DAY_MS + days + 1) * DAY_MS;
    format!(
        "ongoing-request=\"false\", expiry-date=\"{}\"",
        http_date(expiry)
    )
}

/// Whether a listing asks for each object's restore status.
pub fn status_requested(h: &http::HeaderMap) -> bool {
    h.get_all("x-amz-optional-object-attributes")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|a| a.trim() == "RestoreStatus")
}

/// `<RestoreStatus>` of a listed object with a restore record (its stored `x-amz-restore`):
/// never in progress (a restore completes at once here) and when the restored copy expires.
pub fn status_element(x: &mut XmlWriter, headers: &[(String, String)]) {
    if !headers.iter().any(|(k, _)| k == RESTORE) {
        return;
    }
    x.open("RestoreStatus").elem("IsRestoreInProgress", "false");
    if let Some(ms) = storage_class::restored_until(headers) {
        x.elem("RestoreExpiryDate", &iso8601(ms));
    }
    x.close();
}

pub async fn restore_object(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    let actions = ("s3:RestoreObject", "s3:RestoreObject");
    let (_, version) = super::versioning::authorize_object(s3, ctx, bucket, key, q, actions)?;
    let days = days(&xml_body(req).await?)?;
    let now = now_ms();
    let value = restore_header(now, days);
    let (b, k) = (bucket.to_string(), key.to_string());
    let (id, was_restored) = s3
        .store
        .write(move |txn| {
            let mut was = false;
            let id = versions::update_object(txn, &b, &k, version.as_ref(), "POST", &mut |o| {
                if !storage_class::archived(storage_class::of(&o.headers)) {
                    return Err(S3Error::InvalidObjectState {
                        message: "Restore is not allowed for the object's current storage class",
                        class: storage_class::of(&o.headers).to_string(),
                    });
                }
                was = storage_class::readable(&o.headers, now);
                o.headers.retain(|(name, _)| name != RESTORE);
                o.headers.push((RESTORE.to_string(), value.clone()));
                Ok(())
            })?;
            Ok::<_, S3Error>((id, was))
        })
        .await?;
    let mut r = empty(if was_restored {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    });
    if let Some(v) = id {
        set_header(&mut r, "x-amz-version-id", &v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_documents() {
        let cases: &[(&str, Option<u64>)] = &[
            ("<RestoreRequest><Days>3</Days></RestoreRequest>", Some(3)),
            (
                "<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Expedited</Tier>\
                 </GlacierJobParameters></RestoreRequest>",
                Some(1),
            ),
            ("<RestoreRequest><Days>0</Days></RestoreRequest>", None),
            ("<RestoreRequest><Days>x</Days></RestoreRequest>", None),
            ("<RestoreRequest/>", None),
            ("<Restore><Days>1</Days></Restore>", None),
        ];
        for (doc, want) in cases {
            let got = days(&crate::xml::parse(doc).unwrap()).ok();
            assert_eq!(got, *want, "{doc}");
        }
    }

    #[test]
    fn expiry_is_the_midnight_after() {
        // 2024-02-29T10:00:00Z, restored for 2 days: expires 2024-03-03T00:00:00Z.
        let now = 1_709_200_800_000;
        assert_eq!(
            restore_header(now, 2),
            "ongoing-request=\"false\", expiry-date=\"Sun, 03 Mar 2024 00:00:00 GMT\""
        );
    }
}
