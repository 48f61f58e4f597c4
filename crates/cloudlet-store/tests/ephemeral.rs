//! An ephemeral store commits most batches without redb's durable protocol: every write must
//! still be visible to the next read, across the periodic durable commits that let redb reuse
//! the pages freed in between.

use cloudlet_store::redb::TableDefinition;
use cloudlet_store::{Store, StoreError};

const T: TableDefinition<u64, Vec<u8>> = TableDefinition::new("t");

async fn put(store: &Store, k: u64, v: Vec<u8>) {
    store
        .write(move |txn| {
            txn.open_table(T)?.insert(k, v.clone())?;
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
}

fn get(store: &Store, k: u64) -> Option<Vec<u8>> {
    store
        .read(|txn| {
            let t = txn.open_table(T)?;
            Ok::<_, StoreError>(t.get(k)?.map(|v| v.value()))
        })
        .unwrap()
}

#[tokio::test]
async fn every_write_is_read_back_across_durable_and_non_durable_batches() {
    let store = Store::ephemeral().unwrap();
    // Sequential writes: one batch each, so this crosses several durable commits.
    for i in 0..300u64 {
        let value = i.to_le_bytes().repeat(64);
        put(&store, i % 7, value.clone()).await;
        assert_eq!(get(&store, i % 7), Some(value), "write {i}");
    }
    store.close();
}

/// Files in the blob directory's `data/`.
fn files(store: &Store) -> usize {
    std::fs::read_dir(store.blobs().root().join("data"))
        .unwrap()
        .count()
}

#[tokio::test]
async fn small_blobs_live_in_memory_and_large_ones_in_files() {
    let store = Store::ephemeral().unwrap();
    let blobs = store.blobs();
    for (len, in_memory) in [
        (0usize, true),
        (1, true),
        (64 * 1024 + 1, true),
        (cloudlet_store::MEMORY_BLOB, true),
        (cloudlet_store::MEMORY_BLOB + 1, false),
    ] {
        let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let id = blobs.put(&body).await.unwrap();
        assert_eq!(blobs.in_memory(&id, 0, 0).is_some(), in_memory, "{len}");
        if in_memory {
            let tail = blobs.in_memory(&id, len.min(1) as u64, len.saturating_sub(1) as u64);
            assert_eq!(tail.unwrap().unwrap(), &body[len.min(1)..], "{len}");
            assert!(
                blobs.in_memory(&id, 0, len as u64 + 1).unwrap().is_err(),
                "{len}"
            );
        }
        assert_eq!(files(&store), usize::from(!in_memory), "{len}");
        assert_eq!(blobs.read(&id).await.unwrap(), body, "{len}");
        // Joined onto another blob, from memory or from the file alike.
        let mut w = blobs.create().await.unwrap();
        w.write(b"head").await.unwrap();
        w.append_blob(&id, len.min(1) as u64, len.saturating_sub(1) as u64)
            .await
            .unwrap();
        let joined = w.commit().await.unwrap();
        let mut want = b"head".to_vec();
        want.extend_from_slice(&body[len.min(1)..]);
        assert_eq!(blobs.read(&joined).await.unwrap(), want, "{len}");
        blobs.delete(&joined).await;
        blobs.delete(&id).await;
        assert!(blobs.in_memory(&id, 0, 0).is_none(), "{len}");
        assert_eq!(files(&store), 0, "{len}");
    }
    // A range past the end of a blob in memory is refused, as for a file.
    let id = blobs.put(b"abc").await.unwrap();
    let mut w = blobs.create().await.unwrap();
    assert!(w.append_blob(&id, 2, 2).await.is_err());
    store.close();
}

#[tokio::test]
async fn reserving_room_for_any_declared_length_is_harmless() {
    let store = Store::ephemeral().unwrap();
    let blobs = store.blobs();
    for declared in [0, 3, cloudlet_store::MEMORY_BLOB as u64 + 1, u64::MAX] {
        let mut w = blobs.create().await.unwrap();
        w.write(b"a").await.unwrap();
        w.reserve(declared);
        w.write(b"bc").await.unwrap();
        let id = w.commit().await.unwrap();
        assert_eq!(blobs.read(&id).await.unwrap(), b"abc", "{declared}");
        assert!(blobs.in_memory(&id, 0, 3).is_some(), "{declared}");
    }
    store.close();
}
