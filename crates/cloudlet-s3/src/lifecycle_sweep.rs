//! The lifecycle sweeper: a background task that applies every bucket's enabled lifecycle
//! rules — moving current objects and noncurrent versions to the storage class their
//! Transition and NoncurrentVersionTransition rules name once due
//! (`LifecycleConfiguration::transition`, `version_transitions`; only the class changes:
//! ETag, Last-Modified and the rest of the record stay), deleting current objects whose
//! expiration (Days, counted to the next midnight UTC as S3 does, or Date) has passed (in a
//! versioned bucket: hiding them behind a delete marker), removing for good the noncurrent
//! versions NoncurrentVersionExpiration and the expired object delete markers the rules name
//! (`LifecycleConfiguration::versions_due`), and aborting multipart uploads older than
//! AbortIncompleteMultipartUpload allows. Each change re-checks what it changes inside its
//! write transaction, so an object replaced, a version locked or a key written meanwhile
//! survives; blobs are freed after the commit.
//!
//! Within a sweep, current objects transition before they expire (as on S3, a transition
//! beats the creation of a delete marker, while a permanent deletion beats a transition,
//! which `transition` itself judges), and noncurrent versions are removed before the rest
//! transition.
//!
//! Two environment variables tune it: `CLOUDLET_S3_LIFECYCLE_SWEEP_SECONDS` (how often it
//! runs, default 60) and, for tests only, `CLOUDLET_S3_LIFECYCLE_DAY_SECONDS` (the length of
//! a lifecycle "day", default 86400).

use std::time::Duration;

use cloudlet_store::Store;

use crate::error::{S3Error, S3Result};
use crate::lifecycle::{DAY_MS, LifecycleConfiguration, VersionFacts};
use crate::ops::now_ms;
use crate::versions::{self, Entry, Status, VersionRef};
use crate::{config_store, lock, mpstate, state, storage_class};

/// About the most changes (objects, or versions) per bucket per step of a sweep, all in
/// one store write. For versions it is checked only between keys, so a step may take more
/// when the last key gathered has many rows due.
const BATCH: usize = 500;

/// How long a lifecycle day is and how often the sweeper runs.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub day_ms: u64,
    pub every: Duration,
}

impl Clock {
    pub fn from_env() -> Clock {
        let secs = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v > 0.0)
        };
        Clock {
            day_ms: secs("CLOUDLET_S3_LIFECYCLE_DAY_SECONDS")
                .map_or(DAY_MS, |s| ((s * 1000.0) as u64).max(1)),
            every: secs("CLOUDLET_S3_LIFECYCLE_SWEEP_SECONDS")
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .map_or(Duration::from_secs(60), |d| {
                    d.max(Duration::from_millis(10))
                }),
        }
    }
}

/// One pass over every bucket with a lifecycle configuration; returns how many objects and
/// versions were transitioned, objects deleted, versions removed and uploads aborted.
pub async fn sweep(store: &Store, clock: Clock, now: u64) -> S3Result<usize> {
    let buckets = store.read(|txn| {
        let mut out = Vec::new();
        for b in state::all_buckets(txn)? {
            if let Some(c) = config_store::get::<LifecycleConfiguration>(
                txn,
                &b.name,
                crate::ops::lifecycle::NAME,
            )? && c.acts()
            {
                out.push((b.name, c));
            }
        }
        Ok::<_, S3Error>(out)
    })?;
    let mut done = 0;
    for (bucket, config) in buckets {
        // One bucket's failure is logged and leaves the other buckets to be swept; only a
        // store that has shut down ends the sweep.
        match sweep_bucket(store, &bucket, &config, clock, now).await {
            Ok(n) => done += n,
            Err(e) if shut_down(&e) => return Err(e),
            Err(e) => eprintln!("cloudlet: s3: lifecycle sweep of bucket {bucket}: {e}"),
        }
    }
    Ok(done)
}

/// Applies one bucket's rules, step by step (see the module docs for the order).
async fn sweep_bucket(
    store: &Store,
    bucket: &str,
    config: &LifecycleConfiguration,
    clock: Clock,
    now: u64,
) -> S3Result<usize> {
    Ok(transition_objects(store, bucket, config, clock, now).await?
        + expire_objects(store, bucket, config, clock, now).await?
        + expire_versions(store, bucket, config, clock, now).await?
        + transition_versions(store, bucket, config, clock, now).await?
        + abort_uploads(store, bucket, config, clock, now).await?)
}

/// Whether `e` says the store has shut down (the server is stopping).
fn shut_down(e: &S3Error) -> bool {
    matches!(e, S3Error::Store(e) if e.to_string().contains("shut down"))
}

/// The class the Transition rules move the current object `key` of `bucket` to now.
fn object_transition(
    config: &LifecycleConfiguration,
    bucket: &state::Bucket,
    key: &str,
    o: &state::Object,
    clock: Clock,
    now: u64,
) -> Option<String> {
    // Whether expiring it would delete it for good: in an unversioned bucket, or as the
    // null version of a suspended one (the null delete marker replaces it).
    let expiry_deletes = match bucket.versioning.status {
        None => true,
        Some(Status::Suspended) => o.version.id.as_deref() == Some("null"),
        Some(Status::Enabled) => false,
    };
    config
        .transition(key, &facts_of(o), expiry_deletes, clock.day_ms, now)
        .map(str::to_string)
}

/// Moves current objects to the class their Transition rules name: the object's record
/// and (in a versioned bucket) its key's newest version row, in one write.
async fn transition_objects(
    store: &Store,
    bucket: &str,
    config: &LifecycleConfiguration,
    clock: Clock,
    now: u64,
) -> S3Result<usize> {
    if !config
        .rules
        .iter()
        .any(|r| r.enabled && !r.transitions.is_empty())
    {
        return Ok(0);
    }
    let planned = plan_objects(store, bucket, |b, key, o| {
        object_transition(config, b, key, o, clock, now)
    })?;
    if planned.is_empty() {
        return Ok(0);
    }
    let (b, c) = (bucket.to_string(), config.clone());
    store
        .write(move |txn| {
            let mut moved = 0;
            let Some(bucket) = state::load_bucket(txn, &b)? else {
                return Ok(moved);
            };
            for (key, blob, class) in &planned {
                // Re-check: the object may have been replaced, retagged or moved since.
                let Some(o) = state::load_object(txn, &b, key)? else {
                    continue;
                };
                if o.blob == *blob
                    && object_transition(&c, &bucket, key, &o, clock, now).as_ref() == Some(class)
                {
                    versions::set_storage_class(txn, &b, key, None, class)?;
                    moved += 1;
                }
            }
            Ok::<_, S3Error>(moved)
        })
        .await
}

/// Up to [`BATCH`] current objects of `bucket` that `plan` has something to do with:
/// (key, blob, what), the blob telling the object apart from one written since.
fn plan_objects<T>(
    store: &Store,
    bucket: &str,
    mut plan: impl FnMut(&state::Bucket, &str, &state::Object) -> Option<T>,
) -> S3Result<Vec<(String, String, T)>> {
    let mut planned = Vec::new();
    store.read(|txn| {
        let Some(b) = state::get_bucket(txn, bucket)? else {
            return Ok(());
        };
        state::scan_objects(txn, bucket, "", "", |key, o| {
            if let Some(what) = plan(&b, key, &o) {
                planned.push((key.to_string(), o.blob, what));
            }
            planned.len() < BATCH
        })
    })?;
    Ok(planned)
}

/// Whether an enabled rule of `config` has expired the current object `o` by `now`.
fn expires(
    config: &LifecycleConfiguration,
    key: &str,
    o: &state::Object,
    clock: Clock,
    now: u64,
) -> bool {
    config
        .expiry(key, o.last_modified, o.size, &o.tags, clock.day_ms)
        .is_some_and(|(at, _)| at <= now)
}

async fn expire_objects(
    store: &Store,
    bucket: &str,
    config: &LifecycleConfiguration,
    clock: Clock,
    now: u64,
) -> S3Result<usize> {
    let doomed = plan_objects(store, bucket, |_, key, o| {
        expires(config, key, o, clock, now).then_some(())
    })?;
    if doomed.is_empty() {
        return Ok(0);
    }
    let (b, c) = (bucket.to_string(), config.clone());
    let (removed, expired) = store
        .write(move |txn| {
            let (mut removed, mut expired) = (Vec::new(), 0);
            let Some(bucket) = state::load_bucket(txn, &b)? else {
                return Ok((removed, expired));
            };
            for (key, blob, ()) in &doomed {
                // Re-check: the object may have been replaced since the scan.
                let Some(o) = state::load_object(txn, &b, key)? else {
                    continue;
                };
                if o.blob == *blob && expires(&c, key, &o, clock, now) {
                    // As S3 does: in a versioned bucket, expiry adds a delete marker and
                    // the version stays.
                    let gone = crate::versions::delete_current(txn, &bucket, key, now, None)?;
                    removed.extend(gone.freed);
                    expired += 1;
                }
            }
            Ok::<_, S3Error>((removed, expired))
        })
        .await?;
    store.blobs().delete_named(&removed).await;
    Ok(expired)
}

/// What the Transition rules see of a current object (they never ask whether Object Lock
/// lets it be removed: `removable` is left true).
fn facts_of(o: &state::Object) -> VersionFacts<'_> {
    VersionFacts {
        created: o.last_modified,
        delete_marker: false,
        size: o.size,
        tags: &o.tags,
        removable: true,
        class: storage_class::of(&o.headers),
    }
}

/// What the version rules see of one row.
fn facts(entry: &Entry, now: u64) -> VersionFacts<'_> {
    match entry {
        Entry::Object(o) => VersionFacts {
            removable: lock::may_delete(&o.version.lock, false, now),
            ..facts_of(o)
        },
        Entry::DeleteMarker { last_modified, .. } => VersionFacts {
            created: *last_modified,
            delete_marker: true,
            size: 0,
            tags: &[],
            removable: true,
            class: storage_class::STANDARD,
        },
    }
}

/// The (sequence, version id) of each of `key`'s rows (newest first) the rules remove now.
fn due_rows(
    config: &LifecycleConfiguration,
    key: &str,
    rows: &[(u64, Entry)],
    clock: Clock,
    now: u64,
) -> Vec<(u64, String)> {
    let facts: Vec<VersionFacts> = rows.iter().map(|(_, e)| facts(e, now)).collect();
    let due = config.versions_due(key, &facts, clock.day_ms, now);
    pick_rows(rows, due.into_iter().map(|i| (i, ())))
        .map(|(seq, id, ())| (seq, id))
        .collect()
}

/// (sequence, version id, class) of each of `key`'s rows (newest first) that
/// NoncurrentVersionTransition moves now.
fn due_moves(
    config: &LifecycleConfiguration,
    key: &str,
    rows: &[(u64, Entry)],
    clock: Clock,
    now: u64,
) -> Vec<(u64, String, String)> {
    let facts: Vec<VersionFacts> = rows.iter().map(|(_, e)| facts(e, now)).collect();
    let due = config.version_transitions(key, &facts, clock.day_ms, now);
    pick_rows(rows, due.into_iter().map(|(i, c)| (i, c.to_string()))).collect()
}

/// (sequence, version id, extra) of the rows at the given indices.
fn pick_rows<T>(
    rows: &[(u64, Entry)],
    due: impl Iterator<Item = (usize, T)>,
) -> impl Iterator<Item = (u64, String, T)> {
    due.filter_map(|(i, extra)| {
        let (seq, e) = rows.get(i)?;
        Some((*seq, e.version_id().to_string(), extra))
    })
}

/// One key's rows as the scan found them, judged once the key's last row is seen.
#[derive(Default)]
struct KeyRows {
    key: Option<String>,
    rows: Vec<(u64, Entry)>,
}

impl KeyRows {
    /// Judges the key gathered so far and starts over; returns how many of its rows are due.
    fn flush<T>(
        &mut self,
        judge: &mut impl FnMut(&str, &[(u64, Entry)]) -> Vec<T>,
        planned: &mut Vec<(String, Vec<T>)>,
    ) -> usize {
        let rows = std::mem::take(&mut self.rows);
        let Some(key) = self.key.take() else {
            return 0;
        };
        let due = judge(&key, &rows);
        let n = due.len();
        if n > 0 {
            planned.push((key, due));
        }
        n
    }
}

/// Scans `bucket`'s versions key by key and gathers what `judge` finds due in each key's
/// rows (newest first), up to about `BATCH` rows.
fn plan_versions<T>(
    store: &Store,
    bucket: &str,
    mut judge: impl FnMut(&str, &[(u64, Entry)]) -> Vec<T>,
) -> S3Result<Vec<(String, Vec<T>)>> {
    let mut planned = Vec::new();
    store.read(|txn| {
        let (mut current, mut count) = (KeyRows::default(), 0);
        versions::scan(txn, bucket, "", |key, seq, entry| {
            if current.key.as_deref() != Some(key) {
                count += current.flush(&mut judge, &mut planned);
                if count >= BATCH {
                    return false;
                }
                current.key = Some(key.to_string());
            }
            current.rows.push((seq, entry));
            true
        })?;
        current.flush(&mut judge, &mut planned);
        Ok::<_, S3Error>(())
    })?;
    Ok(planned)
}

/// A row's `VersionRef`.
fn version_ref(seq: u64, id: String) -> VersionRef {
    match id.as_str() {
        "null" => VersionRef::Null,
        _ => VersionRef::Id { seq, id },
    }
}

/// Removes for good the versions and delete markers the version rules name: noncurrent
/// versions past NoncurrentVersionExpiration, expired object delete markers.
async fn expire_versions(
    store: &Store,
    bucket: &str,
    config: &LifecycleConfiguration,
    clock: Clock,
    now: u64,
) -> S3Result<usize> {
    if !config.rules.iter().any(|r| {
        r.enabled
            && (r.noncurrent_expiration.is_some()
                || r.expiration.as_ref().is_some_and(|e| {
                    e.days.is_some() || e.expired_object_delete_marker == Some(true)
                }))
    }) {
        return Ok(0);
    }
    let doomed = plan_versions(store, bucket, |key, rows| {
        due_rows(config, key, rows, clock, now)
    })?;
    if doomed.is_empty() {
        return Ok(0);
    }
    let (b, c) = (bucket.to_string(), config.clone());
    let (freed, removed) = store
        .write(move |txn| {
            let (mut freed, mut removed) = (Vec::new(), 0);
            let Some(bucket) = state::load_bucket(txn, &b)? else {
                return Ok((freed, removed));
            };
            for (key, planned) in &doomed {
                // Re-check: versions may have been written, removed or locked since the
                // scan; only what is still due, and was planned, goes. Oldest first, so a
                // current delete marker goes last, and only once nothing else is left:
                // removing it must never make an older row current.
                let rows = versions::key_rows(txn, &b, key)?;
                let mut left = rows.len();
                for (seq, id) in due_rows(&c, key, &rows, clock, now).into_iter().rev() {
                    let newest = rows.first().is_some_and(|(s, _)| *s == seq);
                    let was_planned = planned.iter().any(|(s, i)| *s == seq && *i == id);
                    if !was_planned || (newest && left != 1) {
                        continue;
                    }
                    let version = version_ref(seq, id);
                    let gone = versions::delete_version(txn, &bucket, key, &version, false, now)?;
                    freed.extend(gone.freed);
                    removed += 1;
                    left -= 1;
                }
            }
            Ok::<_, S3Error>((freed, removed))
        })
        .await?;
    store.blobs().delete_named(&freed).await;
    Ok(removed)
}

/// Moves noncurrent versions to the class their NoncurrentVersionTransition rules name
/// (each version's own row; a noncurrent version is never in `s3.objects`).
async fn transition_versions(
    store: &Store,
    bucket: &str,
    config: &LifecycleConfiguration,
    clock: Clock,
    now: u64,
) -> S3Result<usize> {
    if !config
        .rules
        .iter()
        .any(|r| r.enabled && !r.noncurrent_transitions.is_empty())
    {
        return Ok(0);
    }
    let planned = plan_versions(store, bucket, |key, rows| {
        due_moves(config, key, rows, clock, now)
    })?;
    if planned.is_empty() {
        return Ok(0);
    }
    let (b, c) = (bucket.to_string(), config.clone());
    store
        .write(move |txn| {
            let mut moved = 0;
            for (key, plan) in &planned {
                // Re-check: versions may have been written or removed since the scan; only
                // what is still due, and was planned, moves.
                let rows = versions::key_rows(txn, &b, key)?;
                for m in due_moves(&c, key, &rows, clock, now) {
                    if !plan.contains(&m) {
                        continue;
                    }
                    let (seq, id, class) = m;
                    versions::set_storage_class(txn, &b, key, Some(&version_ref(seq, id)), &class)?;
                    moved += 1;
                }
            }
            Ok::<_, S3Error>(moved)
        })
        .await
}

async fn abort_uploads(
    store: &Store,
    bucket: &str,
    config: &LifecycleConfiguration,
    clock: Clock,
    now: u64,
) -> S3Result<usize> {
    let uploads = store.read(|txn| mpstate::list_uploads(txn, bucket))?;
    let mut n = 0;
    for u in uploads {
        if config
            .abort_at(&u.key, u.initiated, clock.day_ms)
            .is_none_or(|(at, _)| at > now)
        {
            continue;
        }
        let (b, id) = (bucket.to_string(), u.id.clone());
        let parts = store
            .write(move |txn| {
                let parts = mpstate::remove_upload(txn, &b, &id)?;
                config_store::remove(txn, &b, &crate::ops::acl::legacy_upload_acl_key(&id))?;
                Ok::<_, S3Error>(parts)
            })
            .await?;
        store
            .blobs()
            .delete_named(parts.into_iter().flatten().map(|p| p.blob))
            .await;
        n += 1;
    }
    Ok(n)
}

/// Starts the sweeper on the current tokio runtime (if any).
pub fn start(store: Store, clock: Clock) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    handle.spawn(async move {
        let mut tick = tokio::time::interval(clock.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep(&store, clock, now_ms()).await {
                Err(e) if shut_down(&e) => return,
                Err(e) => eprintln!("cloudlet: s3: lifecycle sweep: {e}"),
                Ok(_) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{Expiration, Filter, Rule, Selector};

    /// Records are built from JSON so fields added later (with serde defaults) need no edit.
    fn record<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    fn rule(id: &str, prefix: &str, days: Option<u64>, abort: Option<u64>) -> Rule {
        Rule {
            id: id.into(),
            selector: Selector::Filter(Filter {
                prefix: Some(prefix.into()),
                ..Filter::default()
            }),
            enabled: true,
            expiration: days.map(|d| Expiration {
                days: Some(d),
                ..Expiration::default()
            }),
            transitions: Vec::new(),
            noncurrent_transitions: Vec::new(),
            noncurrent_expiration: None,
            abort_days: abort,
        }
    }

    #[test]
    fn sweep_deletes_what_is_due_and_nothing_else() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = Store::ephemeral().unwrap();
            let config = LifecycleConfiguration {
                rules: vec![
                    rule("tmp", "tmp/", Some(2), Some(1)),
                    rule("logs", "logs/", Some(5), None),
                ],
                transition_minimum: None,
            };
            let day = 1000;
            // Created at 500: "2 days" end at the midnight after 2500, i.e. 3000.
            let objects = [
                ("tmp/old", 500),
                ("tmp/new", 2500),
                ("logs/a", 500),
                ("keep", 0),
            ];
            let uploads = [
                ("tmp/up", "u1", 500),
                ("keep/up", "u2", 0),
                ("tmp/late", "u3", 1900),
            ];
            store
                .write(move |txn| {
                    let bucket: state::Bucket = record(serde_json::json!({
                        "name": "b", "owner": "000000000000", "region": "us-east-1",
                        "created": 0, "policy": null, "public_access_block": null,
                        "website": null, "tags": null,
                    }));
                    state::put_bucket(txn, &bucket)?;
                    config_store::put(txn, "b", crate::ops::lifecycle::NAME, &config)?;
                    for (key, at) in objects {
                        let obj: state::Object = record(serde_json::json!({
                            "blob": format!("blob-{key}"), "size": 1, "etag": "e",
                            "content_type": null, "last_modified": at, "metadata": [],
                            "headers": [], "tags": [],
                        }));
                        state::put_object(txn, "b", key, &obj)?;
                    }
                    for (key, id, at) in uploads {
                        let u: mpstate::Upload = record(serde_json::json!({
                            "bucket": "b", "key": key, "id": id, "initiated": at,
                            "owner": "000000000000", "content_type": null, "metadata": [],
                            "headers": [], "tags": [],
                        }));
                        mpstate::put_upload(txn, &u)?;
                    }
                    Ok::<_, S3Error>(())
                })
                .await
                .unwrap();
            let clock = Clock {
                day_ms: day,
                every: Duration::from_secs(1),
            };
            assert_eq!(sweep(&store, clock, 2999).await.unwrap(), 1, "u1 at 2000");
            assert_eq!(sweep(&store, clock, 3000).await.unwrap(), 2, "tmp/old, u3");
            assert_eq!(sweep(&store, clock, 4999).await.unwrap(), 0);
            let mut left = Vec::new();
            store
                .read(|txn| {
                    state::scan_objects(txn, "b", "", "", |k, _| {
                        left.push(k.to_string());
                        true
                    })
                })
                .unwrap();
            assert_eq!(left, ["keep", "logs/a", "tmp/new"]);
            let ups: Vec<String> = store
                .read(|txn| mpstate::list_uploads(txn, "b"))
                .unwrap()
                .into_iter()
                .map(|u| u.id)
                .collect();
            assert_eq!(ups, ["u2"]);
            assert_eq!(
                sweep(&store, clock, 6000).await.unwrap(),
                2,
                "tmp/new, logs/a"
            );
        });
    }

    #[test]
    fn sweep_removes_the_versions_the_rules_name() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = Store::ephemeral().unwrap();
            let doc = crate::lifecycle_xml::tests::doc(
                "<Rule><ID>nc</ID><Filter><Prefix>nc/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>\
                 <Rule><ID>keep</ID><Filter><Prefix>keep/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>\
                 <Rule><ID>dm</ID><Filter><Prefix>dm/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>\
                 <Rule><ID>lock</ID><Filter><Prefix>lock/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>",
            );
            let config = crate::lifecycle_xml::tests::parse(&doc).unwrap();
            // (key, written at, legal hold); `None` for the time: a delete marker at 1000.
            let writes: [(&str, Option<u64>, bool); 10] = [
                ("nc/a", Some(500), false),
                ("nc/a", Some(1500), false),
                ("nc/a", Some(2500), false),
                ("keep/a", Some(500), false),
                ("keep/a", Some(1500), false),
                ("keep/a", Some(2500), false),
                ("dm/a", Some(500), false),
                ("dm/a", None, false),
                ("lock/a", Some(500), true),
                ("lock/a", Some(1500), false),
            ];
            store
                .write(move |txn| {
                    let bucket: state::Bucket = record(serde_json::json!({
                        "name": "b", "owner": "000000000000", "region": "us-east-1",
                        "created": 0, "policy": null, "public_access_block": null,
                        "website": null, "tags": null,
                        "versioning": {"status": "Enabled", "mfa_delete": null,
                                       "object_lock": {"rule": null}},
                    }));
                    state::put_bucket(txn, &bucket)?;
                    config_store::put(txn, "b", crate::ops::lifecycle::NAME, &config)?;
                    for (i, (key, at, hold)) in writes.iter().enumerate() {
                        let Some(at) = at else {
                            versions::delete_current(txn, &bucket, key, 1000, None)?;
                            continue;
                        };
                        let mut obj: state::Object = record(serde_json::json!({
                            "blob": format!("blob-{i}"), "size": 1, "etag": "e",
                            "content_type": null, "last_modified": at, "metadata": [],
                            "headers": [], "tags": [],
                        }));
                        obj.version.lock.legal_hold = Some(*hold);
                        versions::store_object(txn, &bucket, key, obj, *at)?;
                    }
                    Ok::<_, S3Error>(())
                })
                .await
                .unwrap();
            let clock = Clock {
                day_ms: 1000,
                every: Duration::from_secs(1),
            };
            let rows = |store: &Store| {
                let mut out: Vec<(String, String)> = Vec::new();
                store
                    .read(|txn| {
                        versions::scan(txn, "b", "", |k, _, e| {
                            let what = match e {
                                Entry::Object(o) => o.blob,
                                Entry::DeleteMarker { .. } => "marker".into(),
                            };
                            out.push((k.to_string(), what));
                            true
                        })
                    })
                    .unwrap();
                out
            };
            // Nothing is due before 2000 (dm/a's version, noncurrent since its marker at
            // 1000). nc/a's first version became noncurrent at 1500, due at the midnight
            // after 2500 (3000); its second at 2500, due at 4000.
            assert_eq!(sweep(&store, clock, 1999).await.unwrap(), 0);
            assert_eq!(rows(&store).len(), 10);
            // At 3000: nc/a's and keep/a's oldest (keep/a keeps one noncurrent version),
            // dm/a's version (noncurrent since 1000) and then its lone marker.
            assert_eq!(sweep(&store, clock, 3000).await.unwrap(), 4);
            assert_eq!(sweep(&store, clock, 4000).await.unwrap(), 1, "nc/a's second");
            assert_eq!(sweep(&store, clock, 99_000).await.unwrap(), 0);
            let pair = |k: &str, b: &str| (k.to_string(), b.to_string());
            assert_eq!(
                rows(&store),
                [
                    pair("keep/a", "blob-5"),
                    pair("keep/a", "blob-4"),
                    pair("lock/a", "blob-9"),
                    pair("lock/a", "blob-8"),
                    pair("nc/a", "blob-2"),
                ]
            );
            // The current view is untouched, and dm/a is gone altogether.
            let current: Vec<String> = store
                .read(|txn| {
                    let mut keys = Vec::new();
                    state::scan_objects(txn, "b", "", "", |k, o| {
                        keys.push(format!("{k}={}", o.blob));
                        true
                    })?;
                    Ok::<_, S3Error>(keys)
                })
                .unwrap();
            assert_eq!(current, ["keep/a=blob-5", "lock/a=blob-9", "nc/a=blob-2"]);
        });
    }

    #[test]
    fn sweep_moves_objects_and_versions_to_the_class_due() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = Store::ephemeral().unwrap();
            let doc = crate::lifecycle_xml::tests::doc(
                "<Rule><ID>t</ID><Filter><And><Prefix>t/</Prefix><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status>\
                 <Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>\
                 <NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>DEEP_ARCHIVE</StorageClass></NoncurrentVersionTransition></Rule>",
            );
            let config = crate::lifecycle_xml::tests::parse(&doc).unwrap();
            let writes = [("t/a", 500), ("t/a", 1500), ("u/a", 500)];
            store
                .write(move |txn| {
                    let bucket: state::Bucket = record(serde_json::json!({
                        "name": "b", "owner": "000000000000", "region": "us-east-1",
                        "created": 0, "policy": null, "public_access_block": null,
                        "website": null, "tags": null,
                        "versioning": {"status": "Enabled", "mfa_delete": null, "object_lock": null},
                    }));
                    state::put_bucket(txn, &bucket)?;
                    config_store::put(txn, "b", crate::ops::lifecycle::NAME, &config)?;
                    for (i, (key, at)) in writes.iter().enumerate() {
                        let obj: state::Object = record(serde_json::json!({
                            "blob": format!("blob-{i}"), "size": 1, "etag": format!("e{i}"),
                            "content_type": null, "last_modified": at, "metadata": [],
                            "headers": [["cache-control", "no-cache"]], "tags": [],
                        }));
                        versions::store_object(txn, &bucket, key, obj, *at)?;
                    }
                    Ok::<_, S3Error>(())
                })
                .await
                .unwrap();
            let clock = Clock {
                day_ms: 1000,
                every: Duration::from_secs(1),
            };
            let describe = |o: &state::Object| {
                format!(
                    "{} {} {} {}",
                    o.blob,
                    o.etag,
                    o.last_modified,
                    storage_class::of(&o.headers)
                )
            };
            let rows = |store: &Store| {
                let mut out = Vec::new();
                store
                    .read(|txn| {
                        versions::scan(txn, "b", "", |k, _, e| {
                            if let Entry::Object(o) = e {
                                out.push(format!("{k} {}", describe(&o)));
                            }
                            true
                        })?;
                        state::scan_objects(txn, "b", "", "", |k, o| {
                            out.push(format!("current {k} {}", describe(&o)));
                            true
                        })
                    })
                    .unwrap();
                out
            };
            // t/a's current version (1500) and its first (noncurrent since 1500) are both
            // due at the midnight after 2500.
            assert_eq!(sweep(&store, clock, 2999).await.unwrap(), 0);
            assert_eq!(sweep(&store, clock, 3000).await.unwrap(), 2);
            assert_eq!(sweep(&store, clock, 99_000).await.unwrap(), 0);
            assert_eq!(
                rows(&store),
                [
                    "t/a blob-1 e1 1500 GLACIER",
                    "t/a blob-0 e0 500 DEEP_ARCHIVE",
                    "u/a blob-2 e2 500 STANDARD",
                    "current t/a blob-1 e1 1500 GLACIER",
                    "current u/a blob-2 e2 500 STANDARD",
                ]
            );
            // Only the class changed among the stored headers.
            let o = store
                .read(|txn| state::get_object(txn, "b", "t/a"))
                .unwrap()
                .unwrap();
            assert_eq!(
                o.headers,
                [
                    ("cache-control".to_string(), "no-cache".to_string()),
                    (storage_class::HEADER.to_string(), "GLACIER".to_string())
                ]
            );
        });
    }
}
