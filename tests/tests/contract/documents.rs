//! The `DocumentStore` port on every store: content addresses, streamed uploads, ranges, the sweep's listing.

use bytes::Bytes;
use futures_util::TryStreamExt as _;
use seeg_application::documents::{DOCUMENTS_PREFIX, DocumentStore, DocumentStoreError, UPLOADS_PREFIX, document_key};
use seeg_tests::on_storages;
use seeg_tests::storage::{Storage, test_storage};
use sha2::{Digest as _, Sha256};

fn pdf(size: usize, seed: u8) -> Bytes {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..size).map(|i| seed.wrapping_add(u8::try_from(i % 251).unwrap())));
    bytes.extend_from_slice(b"\n%%EOF\n");
    Bytes::from(bytes)
}

async fn read_all(store: &dyn DocumentStore, key: &str, range: Option<std::ops::Range<u64>>) -> Vec<u8> {
    let chunks: Vec<Bytes> = store.read(key, range).await.unwrap().try_collect().await.unwrap();
    chunks.concat()
}

async fn the_same_bytes_have_one_key_and_read_back_whole(kind: Storage) {
    let s = test_storage(kind);
    let store: &dyn DocumentStore = &s.storage;
    let bytes = pdf(200_000, 7);
    let first = store.put(bytes.clone()).await.unwrap();
    assert_eq!(first.sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!((first.key.clone(), first.size), (document_key(&first.sha256), bytes.len() as u64));
    let stored_at = store.stat(&first.key).await.unwrap().last_modified;
    assert_eq!(store.put(bytes.clone()).await.unwrap(), first, "same bytes, same document");
    // Re-used bytes are rewritten: never older than before (stores keep whole seconds at worst).
    assert!(store.stat(&first.key).await.unwrap().last_modified >= stored_at);
    assert_eq!(store.list(DOCUMENTS_PREFIX).await.unwrap().len(), 1);
    assert_eq!(read_all(store, &first.key, None).await, bytes);
    assert_eq!(store.size(&first.key).await.unwrap(), bytes.len() as u64);
    let other = store.put(pdf(10, 8)).await.unwrap();
    assert_ne!(other.key, first.key);
}

async fn a_streamed_upload_equals_a_put_and_leaves_no_temporary_object(kind: Storage) {
    let s = test_storage(kind);
    let store: &dyn DocumentStore = &s.storage;
    // Larger than one part (5 MiB), fed in uneven chunks.
    let bytes = pdf(6 * 1024 * 1024 + 123, 3);
    let mut upload = store.begin_upload().await.unwrap();
    for chunk in bytes.chunks(64 * 1024 + 17) {
        upload.write(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    let streamed = upload.finish().await.unwrap();
    let put = store.put(bytes.clone()).await.unwrap();
    assert_eq!(streamed, put);
    assert_eq!(read_all(store, &streamed.key, None).await, bytes);
    assert!(store.list(UPLOADS_PREFIX).await.unwrap().is_empty(), "no temporary object left");

    let mut abandoned = store.begin_upload().await.unwrap();
    abandoned.write(pdf(1000, 9)).await.unwrap();
    abandoned.abort().await.unwrap();
    assert_eq!(store.list(DOCUMENTS_PREFIX).await.unwrap().len(), 1, "an aborted upload is no document");
    assert!(store.list(UPLOADS_PREFIX).await.unwrap().is_empty());
}

async fn ranges_read_exactly_their_bytes_and_bad_ones_are_refused(kind: Storage) {
    let s = test_storage(kind);
    let store: &dyn DocumentStore = &s.storage;
    let bytes = pdf(5000, 1);
    let doc = store.put(bytes.clone()).await.unwrap();
    assert_eq!(read_all(store, &doc.key, Some(0..5)).await, b"%PDF-");
    assert_eq!(read_all(store, &doc.key, Some(100..2100)).await, bytes[100..2100]);
    let size = doc.size;
    assert_eq!(read_all(store, &doc.key, Some(size - 6..size)).await, b"%%EOF\n");
    #[allow(clippy::reversed_empty_ranges)] // a reversed range is one of the bad requests
    for bad in [5..5, 10..5, 0..size + 1] {
        assert!(
            matches!(store.read(&doc.key, Some(bad.clone())).await, Err(DocumentStoreError::InvalidRange)),
            "{bad:?}"
        );
    }
}

async fn unknown_keys_are_not_found_and_deleting_twice_is_fine(kind: Storage) {
    let s = test_storage(kind);
    let store: &dyn DocumentStore = &s.storage;
    let missing = document_key(&"0".repeat(64));
    assert!(matches!(store.read(&missing, None).await, Err(DocumentStoreError::NotFound)));
    assert!(matches!(store.size(&missing).await, Err(DocumentStoreError::NotFound)));
    assert!(matches!(store.stat(&missing).await, Err(DocumentStoreError::NotFound)));
    let doc = store.put(pdf(10, 2)).await.unwrap();
    let listed = store.list(DOCUMENTS_PREFIX).await.unwrap();
    assert_eq!(store.stat(&doc.key).await.unwrap(), listed[0], "stat says what the listing says");
    store.delete(&doc.key).await.unwrap();
    store.delete(&doc.key).await.unwrap();
    assert!(matches!(store.size(&doc.key).await, Err(DocumentStoreError::NotFound)));
    assert!(store.list(DOCUMENTS_PREFIX).await.unwrap().is_empty());
}

on_storages!(Memory, Local, Azure, S3 =>
    the_same_bytes_have_one_key_and_read_back_whole,
    a_streamed_upload_equals_a_put_and_leaves_no_temporary_object,
    ranges_read_exactly_their_bytes_and_bad_ones_are_refused,
    unknown_keys_are_not_found_and_deleting_twice_is_fine,
);

/// Issue 6 "container created if missing": on Azurite, `prepare` creates a container that is not there, a second
/// `prepare` is fine (409 ContainerAlreadyExists), and the document store and the lake then write and read; a wrong
/// account key is refused with the container and the status, never the key.
#[tokio::test]
async fn prepare_creates_a_missing_azure_container_once() {
    use seeg_adapters_blob::LakeStorage;
    use seeg_application::lake::{DataLake as _, LakeObject};
    let Some((connection, _)) = seeg_tests::storage::azurite() else {
        eprintln!("skipped: set TEST_AZURITE_URL (.ci/azurite.sh) to run against Azurite");
        return;
    };
    let container = seeg_tests::storage::test_prefix("docs");
    let store = seeg_adapters_blob::BlobStorage::azure(&connection, &container).unwrap();
    assert!(store.put(pdf(10, 4)).await.is_err(), "{container} does not exist yet");
    store.prepare().await.unwrap();
    store.prepare().await.unwrap();
    let doc = store.put(pdf(10, 4)).await.unwrap();
    assert_eq!(read_all(&store, &doc.key, None).await, pdf(10, 4));

    let lake = LakeStorage::azure(&connection, &seeg_tests::storage::test_prefix("raw")).unwrap();
    lake.prepare().await.unwrap();
    lake.prepare().await.unwrap();
    let object = LakeObject {
        key: "facts/a.json".into(),
        bytes: Bytes::from_static(b"{}"),
        content_type: "application/json".into(),
        content_encoding: None,
        metadata: std::collections::BTreeMap::new(),
    };
    lake.put(object.clone()).await.unwrap();
    assert_eq!(lake.get("facts/a.json").await.unwrap(), Some(object));

    let wrong_key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"not the account key");
    let (account, _) = connection.split_once(';').unwrap();
    let endpoint = connection.split(';').find(|p| p.starts_with("BlobEndpoint=")).unwrap();
    let refused =
        seeg_adapters_blob::BlobStorage::azure(&format!("{account};AccountKey={wrong_key};{endpoint}"), "x-y")
            .unwrap()
            .prepare()
            .await
            .unwrap_err();
    let message = format!("{refused:#}");
    assert!(message.contains("« x-y » refusée : HTTP 403"), "{message}");
    assert!(!message.contains(&wrong_key), "{message}");
}
