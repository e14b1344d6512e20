//! The originals store's contract, on the local folder always and on
//! S3-compatible storage when `LIUHEN_TEST_S3_URL` names a bucket
//! (`s3://bucket?endpoint=http://127.0.0.1:PORT&region=us-east-1`, with
//! `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` set). Each S3 run works
//! under a fresh prefix, so runs never see each other's objects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use futures_util::TryStreamExt as _;
use liuhen_store::blobs::{BlobError, LocalBlobs, Stored};
use liuhen_store::originals::Originals;
use sha2::{Digest as _, Sha256};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Deterministic bytes that do not repeat in any short period.
fn bytes(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 7) as u8
        })
        .collect()
}

struct Backend {
    name: &'static str,
    originals: Originals,
    local: LocalBlobs,
    _dir: tempfile::TempDir,
}

/// Every backend this run can reach.
fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let local = LocalBlobs::open(dir.path()).unwrap();
    out.push(Backend { name: "local", originals: Originals::local(local.clone()), local, _dir: dir });
    if let Ok(url) = std::env::var("LIUHEN_TEST_S3_URL") {
        if !cfg!(feature = "s3") {
            panic!("LIUHEN_TEST_S3_URL is set but liuhen-store was built without the `s3` feature");
        }
        let run = uuid::Uuid::new_v4();
        let (base, query) = url.split_once('?').unwrap_or((&url, ""));
        let url = format!("{}/run-{run}?{query}", base.trim_end_matches('/'));
        let dir = tempfile::tempdir().unwrap();
        let local = LocalBlobs::open(dir.path()).unwrap();
        let originals = Originals::from_url(Some(&url), &local).unwrap();
        out.push(Backend { name: "s3", originals, local, _dir: dir });
    }
    out
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

async fn read_all(o: &Originals, h: &str, start: u64, len: u64) -> Vec<u8> {
    let chunks: Vec<bytes::Bytes> = o.read(h, start, len).await.unwrap().try_collect().await.unwrap();
    chunks.concat()
}

#[tokio::test]
async fn write_once_read_ranges_list() {
    for b in backends() {
        let work = tempfile::tempdir().unwrap();
        let o = &b.originals;
        // Small (one PUT) and large (multipart on S3: parts of 8 MiB).
        for (i, size) in [(1u32, 1000usize), (2, 20 * 1024 * 1024 + 17)] {
            let data = bytes(size, i);
            let h = hex(&Sha256::digest(&data));
            let f = write(work.path(), &format!("f{i}"), &data);
            assert_eq!(o.put_file(&f, &h, size as u64).await.unwrap(), Stored::New, "{}", b.name);
            assert_eq!(o.put_file(&f, &h, size as u64).await.unwrap(), Stored::AlreadyPresent, "{}", b.name);
            assert_eq!(o.size(&h).await.unwrap(), size as u64, "{}", b.name);
            assert_eq!(read_all(o, &h, 0, size as u64).await, data, "{}", b.name);
            for (start, len) in [(0, 1), (5, 100), (size - 1, 1), (size / 2, size / 2), (size, 0)] {
                assert_eq!(
                    read_all(o, &h, start as u64, len as u64).await,
                    &data[start..start + len],
                    "{} {start}+{len}",
                    b.name
                );
            }
            // Through the handle the player uses.
            let got: Vec<bytes::Bytes> =
                o.original(&h).range(3, 7).await.unwrap().try_collect().await.unwrap();
            assert_eq!(got.concat(), &data[3..10]);
        }
        let mut names = o.names().await.unwrap();
        names.sort();
        let mut want =
            vec![hex(&Sha256::digest(bytes(1000, 1))), hex(&Sha256::digest(bytes(20 * 1024 * 1024 + 17, 2)))];
        want.sort();
        assert_eq!(names, want, "{}", b.name);
    }
}

#[tokio::test]
async fn never_overwritten_and_clear_errors() {
    for b in backends() {
        let work = tempfile::tempdir().unwrap();
        let o = &b.originals;
        let data = bytes(4096, 7);
        let h = hex(&Sha256::digest(&data));
        o.put_file(&write(work.path(), "a", &data), &h, 4096).await.unwrap();
        // Other bytes under the same name (a caller bug or a damaged copy):
        // refused, and the stored object is untouched.
        let other = bytes(5000, 8);
        let err = o.put_file(&write(work.path(), "b", &other), &h, 5000).await.unwrap_err();
        assert!(err.to_string().contains("5000"), "{}: {err}", b.name);
        assert_eq!(read_all(o, &h, 0, 4096).await, data, "{}", b.name);
        // Names that are not SHA-256 hex never reach the store.
        for bad in ["../../etc/passwd", "ABC", &h[..63], &format!("{}g", &h[..63])] {
            assert!(matches!(o.read(bad, 0, 1).await, Err(BlobError::BadId(_))), "{} {bad}", b.name);
        }
        // A missing object.
        let missing = hex(&Sha256::digest(b"not stored"));
        assert!(matches!(o.read(&missing, 0, 1).await, Err(BlobError::NotFound(_))), "{}", b.name);
        assert!(matches!(o.size(&missing).await, Err(BlobError::NotFound(_))), "{}", b.name);
    }
}

#[tokio::test]
async fn scrub_quarantines_what_no_longer_matches() {
    for b in backends() {
        let work = tempfile::tempdir().unwrap();
        let o = &b.originals;
        let good = bytes(3000, 11);
        let gh = hex(&Sha256::digest(&good));
        o.put_file(&write(work.path(), "g", &good), &gh, 3000).await.unwrap();
        // An object whose bytes no longer match its name (bit rot, tampering).
        let rotten = bytes(3000, 12);
        let claimed = hex(&Sha256::digest(b"what it used to be"));
        o.put_file(&write(work.path(), "r", &rotten), &claimed, 3000).await.unwrap();
        assert_eq!(o.rehash(&gh).await.unwrap(), gh, "{}", b.name);
        assert_eq!(o.rehash(&claimed).await.unwrap(), hex(&Sha256::digest(&rotten)), "{}", b.name);
        let moved = o.quarantine(&claimed, 1234).await.unwrap();
        assert!(moved.contains(&format!("{claimed}.1234")), "{moved}");
        assert_eq!(o.quarantine(&claimed, 1234).await.unwrap(), moved, "moving again finds it done");
        assert_eq!(o.quarantined_sha256(&claimed, 1234).await.unwrap(), Some(hex(&Sha256::digest(&rotten))));
        assert_eq!(o.names().await.unwrap(), vec![gh.clone()], "{}", b.name);
        assert!(matches!(o.read(&claimed, 0, 1).await, Err(BlobError::NotFound(_))), "{}", b.name);
        // The staging folder is the local one whatever the backend.
        assert!(b.local.root().join("uploads").is_dir());
    }
}
