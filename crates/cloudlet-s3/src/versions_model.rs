//! A reference-model test of `versions`: random sequences of writes, deletes, version
//! removals and versioning-state changes run against an in-memory store and against a
//! plain list per key, and after every step the current view (`s3.objects`), the newest
//! entry and the full version listing must agree with the model.

use std::collections::BTreeMap;

use cloudlet_store::Store;

use crate::error::S3Error;
use crate::state::{self, Bucket, Object};
use crate::versions::{self, Entry, Status, VersionMeta, VersionRef};

/// What the model knows of one row: its version id and, for objects, the blob tag.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    id: String,
    blob: Option<String>,
}

#[derive(Default)]
struct Model {
    status: Option<Status>,
    /// Per key, newest first. In a never-versioned bucket: the object only, id `null`.
    keys: BTreeMap<String, Vec<Row>>,
}

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn object(blob: &str) -> Object {
    Object {
        blob: blob.to_string(),
        size: 1,
        etag: "e".into(),
        content_type: None,
        last_modified: 0,
        metadata: Vec::new(),
        headers: Vec::new(),
        tags: Vec::new(),
        version: VersionMeta::default(),
        parts: Vec::new(),
        acl: None,
    }
}

fn bucket(store: &Store) -> Bucket {
    store
        .read(|txn| state::get_bucket(txn, "b"))
        .unwrap()
        .unwrap()
}

async fn write<T: Send + 'static>(
    store: &Store,
    f: impl FnMut(&cloudlet_store::redb::WriteTransaction) -> Result<T, S3Error> + Send + 'static,
) -> T {
    store.write(f).await.unwrap()
}

/// Checks the store against the model.
fn check(store: &Store, model: &Model, step: usize) {
    let mut listed: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    store
        .read(|txn| {
            versions::scan(txn, "b", "", |k, _, e| {
                let row = match e {
                    Entry::Object(o) => Row {
                        id: o.version.id.clone().unwrap_or_default(),
                        blob: Some(o.blob),
                    },
                    Entry::DeleteMarker { version_id, .. } => Row {
                        id: version_id,
                        blob: None,
                    },
                };
                listed.entry(k.to_string()).or_default().push(row);
                true
            })
        })
        .unwrap();
    for key in ["k1", "k2", "k\0"] {
        let want = model.keys.get(key).cloned().unwrap_or_default();
        let current = store.read(|txn| state::get_object(txn, "b", key)).unwrap();
        let want_current = want.first().and_then(|r| r.blob.clone());
        assert_eq!(
            current.as_ref().map(|o| o.blob.clone()),
            want_current,
            "step {step}: current of {key:?}"
        );
        if model.status.is_some() {
            assert_eq!(
                listed.get(key).cloned().unwrap_or_default(),
                want,
                "step {step}: versions of {key:?}"
            );
            if let Some(o) = current {
                assert_eq!(o.version.id.as_deref(), want.first().map(|r| r.id.as_str()));
            }
        }
    }
    if model.status.is_none() {
        assert!(listed.is_empty(), "step {step}: rows before versioning");
    }
}

async fn run(seed: u64, steps: usize) {
    let store = Store::ephemeral().unwrap();
    let b = Bucket {
        name: "b".into(),
        owner: "000000000000".into(),
        region: "us-east-1".into(),
        created: 0,
        policy: None,
        public_access_block: None,
        website: None,
        tags: None,
        versioning: Default::default(),
        legacy_location: None,
    };
    write(&store, move |txn| Ok(state::put_bucket(txn, &b)?)).await;
    let mut model = Model::default();
    let mut rng = Rng(seed);
    for step in 0..steps {
        let key = ["k1", "k2", "k\0"][rng.below(3)].to_string();
        let blob = format!("blob{step}");
        match rng.below(10) {
            0..=3 => {
                let (b, k, o) = (bucket(&store), key.clone(), object(&blob));
                let w = write(&store, move |txn| {
                    versions::store_object(txn, &b, &k, o.clone(), 0)
                })
                .await;
                let rows = model.keys.entry(key).or_default();
                let freed: Vec<String> = match model.status {
                    None => rows.drain(..).filter_map(|r| r.blob).collect(),
                    Some(Status::Suspended) => {
                        let old = rows.iter().position(|r| r.id == "null");
                        old.and_then(|i| rows.remove(i).blob).into_iter().collect()
                    }
                    Some(Status::Enabled) => Vec::new(),
                };
                let id = match model.status {
                    Some(Status::Enabled) => w.version_id.clone().unwrap(),
                    _ => "null".to_string(),
                };
                assert_eq!(
                    w.version_id.is_some(),
                    model.status == Some(Status::Enabled)
                );
                assert_eq!(w.freed, freed, "step {step}: blobs freed by a write");
                rows.insert(
                    0,
                    Row {
                        id,
                        blob: Some(blob),
                    },
                );
            }
            4..=5 => {
                let (b, k) = (bucket(&store), key.clone());
                let d = write(&store, move |txn| {
                    Ok(versions::delete_current(txn, &b, &k, 0, None)?)
                })
                .await;
                let rows = model.keys.entry(key).or_default();
                match model.status {
                    None => {
                        let freed: Vec<String> = rows.drain(..).filter_map(|r| r.blob).collect();
                        assert_eq!(d.freed, freed);
                    }
                    Some(s) => {
                        let null = rows.iter().position(|r| r.id == "null");
                        let freed: Vec<String> = match null {
                            Some(i) if s == Status::Suspended => {
                                rows.remove(i).blob.into_iter().collect()
                            }
                            _ => Vec::new(),
                        };
                        assert_eq!(d.freed, freed, "step {step}: blobs freed by a delete");
                        let id = d.marker_version_id.clone().unwrap();
                        assert_eq!(id == "null", s == Status::Suspended);
                        rows.insert(0, Row { id, blob: None });
                    }
                }
            }
            6..=7 => {
                let rows = model.keys.entry(key.clone()).or_default();
                // Mostly an existing version, sometimes one that does not exist.
                let pick = (!rows.is_empty() && rng.below(4) != 0).then(|| rng.below(rows.len()));
                let id = match pick {
                    Some(i) => rows[i].id.clone(),
                    None => "null".to_string(),
                };
                let version = VersionRef::parse(&id).unwrap();
                let (b, k, v) = (bucket(&store), key.clone(), version.clone());
                let d = write(&store, move |txn| {
                    versions::delete_version(txn, &b, &k, &v, false, 0)
                })
                .await;
                let removed = rows.iter().position(|r| r.id == id).map(|i| rows.remove(i));
                assert_eq!(
                    d.delete_marker,
                    removed.as_ref().is_some_and(|r| r.blob.is_none())
                );
                assert_eq!(
                    d.freed,
                    removed.and_then(|r| r.blob).into_iter().collect::<Vec<_>>()
                );
            }
            _ => {
                let s = if rng.below(2) == 0 {
                    Status::Enabled
                } else {
                    Status::Suspended
                };
                write(&store, move |txn| {
                    let mut b = state::load_bucket(txn, "b")?.unwrap();
                    if b.versioning.status.is_none() {
                        versions::adopt_existing(txn, "b")?;
                    }
                    b.versioning.status = Some(s);
                    state::put_bucket(txn, &b)?;
                    Ok(())
                })
                .await;
                model.status = Some(s);
            }
        }
        model.keys.retain(|_, rows| !rows.is_empty());
        check(&store, &model, step);
    }
}

#[test]
fn versions_follow_the_model() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for seed in 1..=25u64 {
        rt.block_on(run(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), 60));
    }
}
