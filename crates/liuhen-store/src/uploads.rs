//! The data plane of resumable uploads (tus 1.0): creation records, the
//! bytes as they arrive, SHA-256 and SM3 computed while streaming, an
//! optional per-request checksum, and the hand-over of a finished upload to
//! the blob store. HTTP and authorisation live elsewhere.
//!
//! Memory stays flat whatever the size: bytes pass through one fixed buffer
//! into the file and the hashers. An acknowledged write is on disk (the file
//! is fsynced before `append` returns). The hash state is kept in memory;
//! after a restart it is rebuilt once by reading back what is on disk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::blobs::{BlobError, LocalBlobs, Stored};
use crate::digest::{Algorithm, Hasher};
use crate::originals::Originals;

/// The creation record of an upload, kept beside its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub id: String,
    /// Declared total length in bytes.
    pub length: u64,
    /// Who created it (a user id).
    pub created_by: String,
    /// The decoded `Upload-Metadata` pairs.
    pub metadata: HashMap<String, String>,
    pub created_ms: i64,
    pub expires_ms: i64,
}

/// A checksum the client sent with one request (tus checksum extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkChecksum {
    Sha256([u8; 32]),
    Sm3([u8; 32]),
}

/// The digests of a complete upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests {
    pub sha256: [u8; 32],
    pub sm3: [u8; 32],
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Bytes were stored; the upload now holds `offset` bytes.
    Progress { offset: u64 },
    /// The last byte arrived.
    Complete { offset: u64, digests: Digests },
}

/// Why an append was refused. Nothing of the refused request is kept.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("upload not found")]
    NotFound,
    #[error("the upload is at offset {current}, not {given}")]
    OffsetMismatch { current: u64, given: u64 },
    #[error("the request would pass the declared length of {0} bytes")]
    TooLong(u64),
    #[error("the request's checksum does not match its bytes")]
    ChecksumMismatch,
    #[error("another request is writing to this upload")]
    Busy,
    #[error("the body ended early or could not be read: {0}")]
    Body(std::io::Error),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        if matches!(e.raw_os_error(), Some(28) | Some(122)) {
            UploadError::Blob(BlobError::DiskFull(e))
        } else {
            UploadError::Blob(BlobError::Io(e))
        }
    }
}

#[derive(Clone)]
struct HashState {
    hashed: u64,
    sha256: Hasher,
    sm3: Hasher,
}

impl HashState {
    fn new() -> std::io::Result<Self> {
        Ok(HashState {
            hashed: 0,
            sha256: Hasher::new(Algorithm::Sha256)?,
            sm3: Hasher::new(Algorithm::Sm3)?,
        })
    }
    fn update(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.sha256.update(b)?;
        self.sm3.update(b)?;
        self.hashed += b.len() as u64;
        Ok(())
    }
}

/// Feeds one chunk to a running digest and, when the request carries a
/// checksum of that algorithm, to the request's own digest too.
fn feed(
    mut total: Hasher,
    mut chunk: Option<Hasher>,
    bytes: &[u8],
) -> std::io::Result<(Hasher, Option<Hasher>)> {
    total.update(bytes)?;
    if let Some(h) = chunk.as_mut() {
        h.update(bytes)?;
    }
    Ok((total, chunk))
}

const BUF: usize = 1 << 20;

/// Bytes written between early flushes of a long request.
const EARLY_SYNC: u64 = 32 << 20;

type Feed = tokio::task::JoinHandle<std::io::Result<(Hasher, Option<Hasher>)>>;

/// Makes what was written to `file` durable.
async fn sync(file: &Arc<std::fs::File>) -> Result<(), UploadError> {
    let f = file.clone();
    tokio::task::spawn_blocking(move || f.sync_data())
        .await
        .map_err(|e| UploadError::Body(std::io::Error::other(e)))??;
    Ok(())
}

/// One chunk being hashed and written.
struct InFlight {
    sha: Feed,
    sm3: Feed,
    write: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl InFlight {
    /// Starts hashing `chunk` and writing it at `at.1` in the file `at.0`.
    fn start(
        chunk: Arc<[u8]>,
        at: (Arc<std::fs::File>, u64),
        sha: (Hasher, Option<Hasher>),
        sm3: (Hasher, Option<Hasher>),
    ) -> Self {
        use std::os::unix::fs::FileExt as _;
        let (c1, c2, c3) = (chunk.clone(), chunk.clone(), chunk);
        InFlight {
            sha: tokio::task::spawn_blocking(move || feed(sha.0, sha.1, &c1)),
            sm3: tokio::task::spawn_blocking(move || feed(sm3.0, sm3.1, &c2)),
            write: tokio::task::spawn_blocking(move || at.0.write_all_at(&c3, at.1)),
        }
    }

    /// Waits for the chunk: its running digests (with the request's own) once written.
    async fn join(self) -> Result<(Hasher, Option<Hasher>, Hasher, Option<Hasher>), UploadError> {
        let joined = |e| UploadError::Body(std::io::Error::other(e));
        let (sha, csha) = self.sha.await.map_err(joined)??;
        let (sm, csm) = self.sm3.await.map_err(joined)??;
        self.write.await.map_err(joined)??;
        Ok((sha, csha, sm, csm))
    }
}

/// One upload's running digests, behind the lock that lets one request write at a time.
type UploadLock = Arc<tokio::sync::Mutex<Option<HashState>>>;

/// Reads until `buf` is full or the body ends.
async fn fill(body: &mut (dyn AsyncRead + Unpin + Send), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let k = body.read(buf.get_mut(n..).unwrap_or_default()).await?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

/// Uploads in progress, staged in a [`LocalBlobs`] folder, and the store
/// their finished files go to.
#[derive(Clone)]
pub struct UploadArea {
    blobs: LocalBlobs,
    originals: Originals,
    states: Arc<Mutex<HashMap<String, UploadLock>>>,
}

impl UploadArea {
    /// Uploads staged in `blobs`, originals kept in the same folder.
    pub fn new(blobs: LocalBlobs) -> Self {
        let originals = Originals::local(blobs.clone());
        UploadArea { blobs, originals, states: Arc::default() }
    }

    /// Uploads staged in `blobs`, originals kept in `originals`.
    pub fn with_originals(blobs: LocalBlobs, originals: Originals) -> Self {
        UploadArea { blobs, originals, states: Arc::default() }
    }

    /// The staging folder.
    pub fn blobs(&self) -> &LocalBlobs {
        &self.blobs
    }

    /// Where finished files are kept.
    pub fn originals(&self) -> &Originals {
        &self.originals
    }

    /// Records a new, empty upload durably.
    pub fn create(&self, record: &UploadRecord) -> Result<(), UploadError> {
        let part = self.blobs.upload_part(&record.id)?;
        std::fs::File::create(&part)?.sync_all()?;
        let json = serde_json::to_vec(record).map_err(|e| UploadError::Body(std::io::Error::other(e)))?;
        self.blobs.write_small_durably(&self.blobs.upload_info(&record.id)?, &json)?;
        Ok(())
    }

    /// The creation record and how many bytes are stored.
    pub fn status(&self, id: &str) -> Result<(UploadRecord, u64), UploadError> {
        let info = self.blobs.upload_info(id)?;
        let text = match std::fs::read(&info) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(UploadError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let record: UploadRecord =
            serde_json::from_slice(&text).map_err(|e| UploadError::Body(std::io::Error::other(e)))?;
        let offset = std::fs::metadata(self.blobs.upload_part(id)?)?.len();
        Ok((record, offset))
    }

    fn lock_for(&self, id: &str) -> UploadLock {
        let mut map = self.states.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id.to_owned()).or_default().clone()
    }

    /// Appends the body of one request at `offset`. The bytes are on disk
    /// when this returns `Ok`. With a checksum that does not match, or a body
    /// that breaks off, the upload is left exactly as it was before.
    pub async fn append(
        &self,
        id: &str,
        offset: u64,
        body: &mut (dyn AsyncRead + Unpin + Send),
        checksum: Option<ChunkChecksum>,
    ) -> Result<Appended, UploadError> {
        let (record, current) = self.status(id)?;
        let lock = self.lock_for(id);
        let Ok(mut guard) = lock.try_lock() else { return Err(UploadError::Busy) };
        if offset != current {
            return Err(UploadError::OffsetMismatch { current, given: offset });
        }
        let part = self.blobs.upload_part(id)?;
        // The running digests; rebuilt from disk after a restart.
        let mut state = match guard.take() {
            Some(s) if s.hashed == current => s,
            _ => {
                let mut s = HashState::new()?;
                let mut f = tokio::fs::File::open(&part).await?;
                let mut buf = vec![0u8; BUF];
                while s.hashed < current {
                    let n = f.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    s.update(buf.get(..n).unwrap_or_default())?;
                }
                s
            }
        };
        let before = state.clone();
        let file = {
            let part = part.clone();
            tokio::task::spawn_blocking(move || std::fs::OpenOptions::new().write(true).open(part))
                .await
                .map_err(|e| UploadError::Body(std::io::Error::other(e)))??
        };
        let file = Arc::new(file);
        let wants = |a| match checksum {
            Some(ChunkChecksum::Sha256(_)) if a == Algorithm::Sha256 => Some(Hasher::new(a)).transpose(),
            Some(ChunkChecksum::Sm3(_)) if a == Algorithm::Sm3 => Some(Hasher::new(a)).transpose(),
            _ => Ok(None),
        };
        let mut chunk_sha = wants(Algorithm::Sha256)?;
        let mut chunk_sm3 = wants(Algorithm::Sm3)?;
        let mut buf = vec![0u8; BUF];
        let mut written = current;
        // A pipeline: while chunk k is hashed (SHA-256 and SM3 on two
        // threads) and written (a third), chunk k+1 is read from the body.
        // Hashing is the physical limit here, so nothing else may wait on it.
        let mut in_flight: Option<InFlight> = None;
        let mut flushing: Option<tokio::task::JoinHandle<std::io::Result<()>>> = None;
        let mut synced = current;
        let result: Result<(), UploadError> = async {
            loop {
                let read = fill(body, &mut buf).await.map_err(UploadError::Body);
                if let Some(f) = in_flight.take() {
                    let (sha, csha, sm, csm) = f.join().await?;
                    state.sha256 = sha;
                    state.sm3 = sm;
                    state.hashed = written;
                    chunk_sha = csha;
                    chunk_sm3 = csm;
                }
                let n = read?;
                if n == 0 {
                    break;
                }
                if written + n as u64 > record.length {
                    return Err(UploadError::TooLong(record.length));
                }
                let chunk: Arc<[u8]> = Arc::from(buf.get(..n).unwrap_or_default());
                in_flight = Some(InFlight::start(
                    chunk,
                    (file.clone(), written),
                    (state.sha256.clone(), chunk_sha.take()),
                    (state.sm3.clone(), chunk_sm3.take()),
                ));
                written += n as u64;
                // Flush to disk while the upload goes on, so the disk works
                // beside the hashing and the final fsync waits only for the
                // tail (a large file would otherwise be written back only
                // when the request ends).
                if written - synced >= EARLY_SYNC && flushing.as_ref().is_none_or(|h| h.is_finished()) {
                    if let Some(h) = flushing.take() {
                        h.await.map_err(|e| UploadError::Body(std::io::Error::other(e)))??;
                    }
                    let f = file.clone();
                    flushing = Some(tokio::task::spawn_blocking(move || f.sync_data()));
                    synced = written;
                }
            }
            if let Some(h) = flushing.take() {
                h.await.map_err(|e| UploadError::Body(std::io::Error::other(e)))??;
            }
            let ok = match &checksum {
                Some(ChunkChecksum::Sha256(want)) => match chunk_sha.take() {
                    Some(h) => h.finish()? == *want,
                    None => false,
                },
                Some(ChunkChecksum::Sm3(want)) => match chunk_sm3.take() {
                    Some(h) => h.finish()? == *want,
                    None => false,
                },
                None => true,
            };
            if !ok {
                return Err(UploadError::ChecksumMismatch);
            }
            sync(&file).await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            // Let a chunk still in flight land before giving it back.
            if let Some(f) = in_flight.take() {
                let _ = f.join().await;
            }
            if let Some(h) = flushing.take() {
                let _ = h.await;
            }
            // Give back everything this request wrote.
            let f = file.clone();
            tokio::task::spawn_blocking(move || f.set_len(current))
                .await
                .map_err(|e| UploadError::Body(std::io::Error::other(e)))??;
            sync(&file).await?;
            *guard = Some(before);
            return Err(e);
        }
        if written == record.length {
            let digests =
                Digests { sha256: state.sha256.clone().finish()?, sm3: state.sm3.clone().finish()? };
            *guard = Some(state);
            return Ok(Appended::Complete { offset: written, digests });
        }
        *guard = Some(state);
        Ok(Appended::Progress { offset: written })
    }

    /// The digests of an upload that holds all its bytes (`None` while bytes
    /// are missing): from the running state, or read back from disk after a
    /// restart.
    pub async fn complete_digests(&self, id: &str) -> Result<Option<Digests>, UploadError> {
        let (record, current) = self.status(id)?;
        if current != record.length {
            return Ok(None);
        }
        let lock = self.lock_for(id);
        let Ok(mut guard) = lock.try_lock() else { return Err(UploadError::Busy) };
        let state = match guard.take() {
            Some(s) if s.hashed == current => s,
            _ => {
                let mut s = HashState::new()?;
                let mut f = tokio::fs::File::open(self.blobs.upload_part(id)?).await?;
                let mut buf = vec![0u8; BUF];
                loop {
                    let n = f.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    s.update(buf.get(..n).unwrap_or_default())?;
                }
                s
            }
        };
        let digests = Digests { sha256: state.sha256.clone().finish()?, sm3: state.sm3.clone().finish()? };
        *guard = Some(state);
        Ok(Some(digests))
    }

    /// Puts a complete upload into the originals store under its SHA-256.
    /// The upload stays (call [`UploadArea::remove`] once it is recorded), so
    /// its data can still be read locally, and a failure can be retried.
    pub async fn finish(&self, id: &str, digests: &Digests) -> Result<Stored, UploadError> {
        let hex: String = digests.sha256.iter().map(|b| format!("{b:02x}")).collect();
        let (record, offset) = self.status(id)?;
        if offset != record.length {
            return Err(UploadError::OffsetMismatch { current: offset, given: record.length });
        }
        Ok(self.originals.put_file(&self.blobs.upload_part(id)?, &hex, record.length).await?)
    }

    /// Stores a small file made by the server itself (a rendered PDF) as an
    /// original, named by its SHA-256, create-only; returns the hex name.
    pub async fn store_bytes(&self, bytes: Vec<u8>) -> Result<(String, Stored), UploadError> {
        use sha2::Digest as _;
        let hex: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        let size = bytes.len() as u64;
        // A name of its own, so two writers of the same bytes never share a temp file.
        let tmp = self.blobs.upload_part(&format!("made-{}", uuid::Uuid::new_v4().simple()))?;
        let path = tmp.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&path)?;
            f.write_all(&bytes)?;
            f.sync_all()
        })
        .await
        .map_err(|e| UploadError::Body(std::io::Error::other(e)))??;
        let stored = self.originals.put_file(&tmp, &hex, size).await;
        let _ = std::fs::remove_file(&tmp);
        Ok((hex, stored?))
    }

    /// Removes an upload (termination, expiry, or a refused completion).
    pub fn remove(&self, id: &str) -> Result<(), UploadError> {
        self.blobs.remove_upload(id)?;
        self.forget(id);
        Ok(())
    }

    fn forget(&self, id: &str) {
        let mut map = self.states.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(id);
    }

    /// Ids of uploads whose expiry has passed.
    pub fn expired(&self, now_ms: i64) -> Result<Vec<String>, UploadError> {
        let mut out = Vec::new();
        for id in self.blobs.upload_ids()? {
            match self.status(&id) {
                Ok((r, _)) if r.expires_ms <= now_ms => out.push(id),
                Ok(_) => {}
                Err(UploadError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}
