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
