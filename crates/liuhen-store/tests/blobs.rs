//! Local blobs and the upload data plane, on a real folder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use liuhen_store::blobs::{LocalBlobs, Stored};
use liuhen_store::uploads::{Appended, ChunkChecksum, UploadArea, UploadError, UploadRecord};
use sha2::{Digest, Sha256};

fn record(id: &str, length: u64) -> UploadRecord {
    UploadRecord {
        id: id.into(),
        length,
        created_by: "user".into(),
        metadata: HashMap::from([("filename".into(), "../../etc/passwd".into())]),
        created_ms: 1000,
        expires_ms: 2000,
        active_ms: None,
    }
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

#[tokio::test]
async fn resumable_append_digests_and_write_once() {
    let dir = tempfile::tempdir().unwrap();
    let area = UploadArea::new(LocalBlobs::open(dir.path()).unwrap());
    let bytes = data(1_000_000);
    area.create(&record("u1", bytes.len() as u64)).unwrap();
    assert_eq!(area.status("u1").unwrap().1, 0);

    let mut first = &bytes[..300_000];
    assert_eq!(area.append("u1", 0, &mut first, None).await.unwrap(), Appended::Progress { offset: 300_000 });
    // Wrong offset: refused, nothing changes.
    let mut again = &bytes[..10];
    assert!(matches!(
        area.append("u1", 0, &mut again, None).await,
        Err(UploadError::OffsetMismatch { current: 300_000, given: 0 })
    ));
    // A bad checksum: the bytes are given back.
    let mut chunk = &bytes[300_000..600_000];
    let wrong = ChunkChecksum::Sha256([0; 32]);
    assert!(matches!(
        area.append("u1", 300_000, &mut chunk, Some(wrong)).await,
        Err(UploadError::ChecksumMismatch)
    ));
    assert_eq!(area.status("u1").unwrap().1, 300_000);

    // A restart: a new area over the same folder rebuilds the hash state from disk.
    let area = UploadArea::new(LocalBlobs::open(dir.path()).unwrap());
    let mut chunk = &bytes[300_000..600_000];
    let good = ChunkChecksum::Sha256(Sha256::digest(&bytes[300_000..600_000]).into());
    assert_eq!(
        area.append("u1", 300_000, &mut chunk, Some(good)).await.unwrap(),
        Appended::Progress { offset: 600_000 }
    );
    // Too long: refused whole.
    let mut too_long = [&bytes[600_000..], &[1, 2, 3][..]].concat();
    let mut r = too_long.as_slice();
    assert!(matches!(area.append("u1", 600_000, &mut r, None).await, Err(UploadError::TooLong(_))));
    assert_eq!(area.status("u1").unwrap().1, 600_000);
    too_long.truncate(400_000);
    let mut rest = too_long.as_slice();
    let Appended::Complete { offset, digests } = area.append("u1", 600_000, &mut rest, None).await.unwrap()
    else {
        panic!("not complete")
    };
    assert_eq!(offset, 1_000_000);
    assert_eq!(digests.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
    assert_eq!(digests.sm3, <[u8; 32]>::from(sm3::Sm3::digest(&bytes)));

    assert_eq!(area.finish("u1", &digests).await.unwrap(), Stored::New);
    assert_eq!(
        area.finish("u1", &digests).await.unwrap(),
        Stored::AlreadyPresent,
        "finishing again is harmless"
    );
    area.remove("u1").unwrap();
    assert!(matches!(area.status("u1"), Err(UploadError::NotFound)));
    let hex: String = digests.sha256.iter().map(|b| format!("{b:02x}")).collect();
    let (_, path) = area.blobs().open_object(&hex).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert!(std::fs::metadata(&path).unwrap().permissions().readonly());

    // The same content again is not written twice.
    area.create(&record("u2", bytes.len() as u64)).unwrap();
    let mut all = bytes.as_slice();
    let Appended::Complete { digests: d2, .. } = area.append("u2", 0, &mut all, None).await.unwrap() else {
        panic!()
    };
    assert_eq!(area.finish("u2", &d2).await.unwrap(), Stored::AlreadyPresent);
    assert_eq!(area.blobs().object_names().unwrap(), vec![hex.clone()]);
    assert_eq!(area.blobs().rehash(&hex).unwrap(), hex);

    // Silent corruption is found and quarantined.
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    let mut changed = bytes.clone();
    changed[12345] ^= 1;
    std::fs::write(&path, &changed).unwrap();
    assert_ne!(area.blobs().rehash(&hex).unwrap(), hex);
    let moved = area.blobs().quarantine(&hex, 5).unwrap();
    assert!(std::path::Path::new(&moved).exists());
    assert!(area.blobs().object_names().unwrap().is_empty());
}

#[tokio::test]
async fn client_names_never_become_paths_and_uploads_expire() {
    let dir = tempfile::tempdir().unwrap();
    let area = UploadArea::new(LocalBlobs::open(dir.path()).unwrap());
    assert!(area.create(&record("../evil", 10)).is_err());
    assert!(matches!(area.status("a/b"), Err(UploadError::Blob(_))));
    area.create(&record("old", 10)).unwrap();
    let mut fresh = record("new", 10);
    fresh.expires_ms = 9_999;
    area.create(&fresh).unwrap();
    assert_eq!(area.expired(5_000).unwrap(), vec!["old".to_owned()]);
    area.remove("old").unwrap();
    assert!(matches!(area.status("old"), Err(UploadError::NotFound)));
}

/// Runs where the environment provides a small tmpfs (`.ci/run` mounts one
/// and names it in `LIUHEN_TEST_TMPFS`): a full disk is a clear error, the
/// upload keeps nothing of the failed request, and it resumes once there is room.
#[tokio::test]
async fn a_full_disk_is_a_clear_error_and_the_upload_stays_resumable() {
    let Ok(root) = std::env::var("LIUHEN_TEST_TMPFS") else {
        eprintln!("LIUHEN_TEST_TMPFS is not set: the disk-full test needs a small tmpfs (see .ci/run)");
        return;
    };
    let root = std::path::Path::new(&root).join(format!("t{}", std::process::id()));
    let area = UploadArea::new(LocalBlobs::open(&root).unwrap());
    // Leave well under 2 MiB free.
    let ballast = root.join("ballast");
    {
        use std::io::Write;
        let chunk = vec![7u8; 256 * 1024];
        let mut f = std::fs::File::create(&ballast).unwrap();
        while f.write_all(&chunk).is_ok() {}
        let len = f.metadata().unwrap().len();
        assert!(len > 1 << 20, "the tmpfs is too small for this test");
        f.set_len(len - (1 << 20)).unwrap();
    }
    let bytes = data(2 << 20);
    area.create(&record("full", bytes.len() as u64)).unwrap();
    let mut body = bytes.as_slice();
    let err = area.append("full", 0, &mut body, None).await.unwrap_err();
    assert!(matches!(err, UploadError::Blob(liuhen_store::blobs::BlobError::DiskFull(_))), "{err:?}");
    assert!(err.to_string().contains("disk is full"), "{err}");
    assert_eq!(area.status("full").unwrap().1, 0, "nothing of the failed request is kept");
    // Room again: the same upload completes.
    std::fs::remove_file(&ballast).unwrap();
    let mut body = bytes.as_slice();
    let done = area.append("full", 0, &mut body, None).await.unwrap();
    assert!(matches!(done, Appended::Complete { offset, .. } if offset == bytes.len() as u64));
    std::fs::remove_dir_all(&root).unwrap();
}

type Frame = std::io::Result<bytes::Bytes>;
type Body = std::pin::Pin<Box<dyn futures_util::Stream<Item = Frame> + Send>>;

/// A body that yields what the test sends, when it sends it.
fn controlled_body() -> (tokio::sync::mpsc::Sender<Frame>, Body) {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
    (tx, Box::pin(stream))
}

/// Two nodes share an uploads folder (or one node gets two requests). A
/// request that read the offset before another completed the upload must not
/// write into, or give back (truncate), the file that is now a stored original.
#[tokio::test]
async fn a_stored_original_cannot_be_changed_through_its_upload() {
    let dir = tempfile::tempdir().unwrap();
    let node1 = UploadArea::new(LocalBlobs::open(dir.path()).unwrap());
    let node2 = UploadArea::new(LocalBlobs::open(dir.path()).unwrap());
    let bytes = data(100_000);
    node1.create(&record("u1", 100_000)).unwrap();
    let mut first = &bytes[..50_000];
    node1.append("u1", 0, &mut first, None).await.unwrap();
    // Node 2 takes a request at 50,000 whose body is slow to come.
    let (send, mut body) = controlled_body();
    let slow = tokio::spawn(async move { node2.append_stream("u1", 50_000, &mut body, None).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Node 1 gets the rest meanwhile (or is told to wait for node 2).
    let mut rest = &bytes[50_000..];
    let done = node1.append("u1", 50_000, &mut rest, None).await;
    let completed = match done {
        Ok(Appended::Complete { digests, .. }) => {
            node1.finish("u1", &digests).await.unwrap();
            true
        }
        Err(UploadError::Busy) => false,
        other => panic!("unexpected {other:?}"),
    };
    // Node 2's body brings other bytes, then breaks off: it gives back what it wrote.
    let _ = send.send(Ok(bytes::Bytes::from(vec![0xee; 1000]))).await;
    let _ = send.send(Err(std::io::Error::other("connection reset"))).await;
    drop(send);
    let _ = slow.await.unwrap();
    if !completed {
        let mut rest = &bytes[50_000..];
        let Appended::Complete { digests, .. } = node1.append("u1", 50_000, &mut rest, None).await.unwrap()
        else {
            panic!("not complete")
        };
        node1.finish("u1", &digests).await.unwrap();
    }
    let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let (f, _) = node1.blobs().open_object(&hex).unwrap();
    assert_eq!(f.metadata().unwrap().len(), 100_000, "the stored original was truncated");
    assert_eq!(node1.blobs().rehash(&hex).unwrap(), hex, "the stored original was written into");
}

/// Expiry counts from the last byte received, and never removes an upload
/// a request is writing to.
#[tokio::test]
async fn upload_expiry_counts_from_activity_and_waits_for_a_request_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let area = UploadArea::new(LocalBlobs::open(dir.path()).unwrap());
    let bytes = data(30_000);
    // Created at 1,000, expiring at 2,000 (a span of 1,000) unless bytes arrive.
    area.create(&record("u1", 30_000)).unwrap();
    let mut first = futures_util::stream::iter([Ok(bytes::Bytes::copy_from_slice(&bytes[..10_000]))]);
    area.append_stream_at("u1", 0, &mut first, None, Some(1_900)).await.unwrap();
    // Active at 1,900: it lives until 2,900, past its first expiry.
    assert_eq!(area.status("u1").unwrap().0.expires_ms, 2_900);
    assert!(area.expire(2_500).await.unwrap().is_empty());
    let mut second = futures_util::stream::iter([Ok(bytes::Bytes::copy_from_slice(&bytes[10_000..20_000]))]);
    area.append_stream_at("u1", 10_000, &mut second, None, Some(2_800)).await.unwrap();
    // A request is in flight when expiry comes: the upload stays, and the request lands.
    let (send, mut body) = controlled_body();
    let a = area.clone();
    let flight =
        tokio::spawn(async move { a.append_stream_at("u1", 20_000, &mut body, None, Some(3_700)).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(area.expire(10_000).await.unwrap().is_empty(), "removed under a request in flight");
    send.send(Ok(bytes::Bytes::copy_from_slice(&bytes[20_000..]))).await.unwrap();
    drop(send);
    assert!(matches!(flight.await.unwrap().unwrap(), Appended::Complete { offset: 30_000, .. }));
    assert_eq!(area.status("u1").unwrap().1, 30_000);
    // Idle past its expiry, it goes; a late request finds nothing.
    assert_eq!(area.expire(10_000).await.unwrap(), vec!["u1".to_owned()]);
    let mut late = futures_util::stream::iter([Ok(bytes::Bytes::from_static(b"x"))]);
    assert!(matches!(
        area.append_stream_at("u1", 30_000, &mut late, None, Some(10_001)).await,
        Err(UploadError::NotFound)
    ));
}
