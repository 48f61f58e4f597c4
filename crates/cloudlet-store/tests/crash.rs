//! Crash consistency, proven by simulation: a storage backend that keeps only what was
//! fsynced (plus a random subset of unsynced writes, as a real disk might) is "crashed" while
//! concurrent writers run; the reopened store must hold every write that was acknowledged.

use std::sync::{Arc, Mutex};

use cloudlet_store::redb::{self, ReadableTable, StorageBackend, TableDefinition};
use cloudlet_store::{Store, StoreError};

const T: TableDefinition<u64, u64> = TableDefinition::new("t");

#[derive(Debug, Default)]
struct Disk {
    /// What the file holds after the last fsync.
    durable: Vec<u8>,
    /// What readers of the live file see.
    live: Vec<u8>,
    /// Writes since the last fsync, in order.
    pending: Vec<(u64, Vec<u8>)>,
}

/// A backend over a shared [`Disk`] that can be crashed at any moment.
#[derive(Debug, Clone)]
struct CrashBackend(Arc<Mutex<Disk>>);

fn io(msg: &str) -> std::io::Error {
    std::io::Error::other(msg.to_string())
}

impl StorageBackend for CrashBackend {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(self.0.lock().map_err(|_| io("poisoned"))?.live.len() as u64)
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let d = self.0.lock().map_err(|_| io("poisoned"))?;
        let start = offset as usize;
        let end = start + out.len();
        if end > d.live.len() {
            return Err(io("read past end"));
        }
        out.copy_from_slice(&d.live[start..end]);
        Ok(())
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        let mut d = self.0.lock().map_err(|_| io("poisoned"))?;
        d.live.resize(len as usize, 0);
        Ok(())
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        let mut d = self.0.lock().map_err(|_| io("poisoned"))?;
        d.durable = d.live.clone();
        d.pending.clear();
        Ok(())
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        let mut d = self.0.lock().map_err(|_| io("poisoned"))?;
        let end = offset as usize + data.len();
        if end > d.live.len() {
            d.live.resize(end, 0);
        }
        d.live[offset as usize..end].copy_from_slice(data);
        d.pending.push((offset, data.to_vec()));
        Ok(())
    }
}

impl CrashBackend {
    /// The disk as a crash now would leave it: the synced image plus some unsynced writes.
    fn crash_image(&self, seed: u64) -> Disk {
        let d = self.0.lock().unwrap();
        let mut image = d.durable.clone();
        let mut x = seed | 1;
        for (off, data) in &d.pending {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x.is_multiple_of(3) {
                let end = *off as usize + data.len();
                if end > image.len() {
                    image.resize(end, 0);
                }
                image[*off as usize..end].copy_from_slice(data);
            }
        }
        Disk {
            durable: image.clone(),
            live: image,
            pending: Vec::new(),
        }
    }
}

async fn put(store: &Store, k: u64) -> Result<(), StoreError> {
    store
        .write(move |txn| {
            txn.open_table(T)?.insert(k, k * 2)?;
            Ok::<_, StoreError>(())
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_crash() {
    for round in 0..8u64 {
        let dir =
            std::env::temp_dir().join(format!("cloudlet-crash-{}-{round}", std::process::id()));
        let backend = CrashBackend(Arc::default());
        let store = Store::with_backend(backend.clone(), dir.clone()).unwrap();
        let acked = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for w in 0..8u64 {
            let (store, acked) = (store.clone(), acked.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0..50u64 {
                    let k = w * 1000 + i;
                    if put(&store, k).await.is_ok() {
                        acked.lock().unwrap().push(k);
                    }
                }
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(2 + round * 3)).await;
        // Read the acknowledged set first: each of these was synced before the image is cut.
        let acknowledged = acked.lock().unwrap().clone();
        let image = backend.crash_image(round * 7919 + 1);
        for t in tasks {
            t.await.unwrap();
        }
        store.close();

        let reopened = Store::with_backend(CrashBackend(Arc::new(Mutex::new(image))), dir.clone())
            .expect("a crashed store reopens");
        let missing: Vec<u64> = reopened
            .read(|txn| {
                let t = match txn.open_table(T) {
                    Ok(t) => t,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(acknowledged.clone()),
                    Err(e) => return Err(StoreError::from(e)),
                };
                let mut missing = Vec::new();
                for k in &acknowledged {
                    match t.get(*k)? {
                        Some(v) if v.value() == k * 2 => {}
                        _ => missing.push(*k),
                    }
                }
                Ok(missing)
            })
            .unwrap();
        assert!(
            missing.is_empty(),
            "round {round}: acknowledged but lost: {missing:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test]
async fn a_failed_change_leaves_nothing_and_spares_its_batch() {
    let store = Store::ephemeral().unwrap();
    let mut tasks = Vec::new();
    for k in 0..40u64 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.write(move |txn| {
                txn.open_table(T)?.insert(k, k)?;
                if k % 4 == 0 {
                    Err(StoreError::Format("refused".into()))
                } else {
                    Ok(())
                }
            })
            .await
        }));
    }
    for (k, t) in tasks.into_iter().enumerate() {
        let r = t.await.unwrap();
        assert_eq!(r.is_ok(), k % 4 != 0, "key {k}");
    }
    let present: Vec<u64> = store
        .read(|txn| {
            let t = txn.open_table(T)?;
            let mut v = Vec::new();
            for e in t.iter()? {
                v.push(e?.0.value());
            }
            Ok::<_, StoreError>(v)
        })
        .unwrap();
    let want: Vec<u64> = (0..40).filter(|k| k % 4 != 0).collect();
    assert_eq!(present, want);
}
