//! The data plane of resumable uploads (tus 1.0): creation records, the
//! bytes as they arrive, SHA-256 and SM3 computed while streaming, an
//! optional per-request checksum, and the hand-over of a finished upload to
//! the blob store. HTTP and authorisation live elsewhere.
//!
//! Memory stays flat whatever the size: the body's frames go as they are
//! (no copy) to three workers — SHA-256, SM3 and the file writer — through
//! bounded queues. An acknowledged write is on disk (the file
//! is fsynced before `append` returns). The hash state is kept in memory;
//! after a restart it is rebuilt once by reading back what is on disk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;

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
    /// When it expires if no byte arrives: [`UploadArea::status`] gives
    /// this as of the last activity.
    pub expires_ms: i64,
    /// When bytes last arrived (unix ms), if they have: the expiry counts
    /// from here, so an upload in steady progress never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_ms: Option<i64>,
}

impl UploadRecord {
    /// The expiry counted from the last activity.
    fn expires_from_activity(&self) -> i64 {
        let span = self.expires_ms.saturating_sub(self.created_ms);
        self.active_ms.map_or(self.expires_ms, |a| a.saturating_add(span).max(self.expires_ms))
    }
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
    #[error("the upload has expired")]
    Expired,
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

const BUF: usize = 1 << 20;

/// Body bytes gathered before they go to the hashers and the writer together.
const BATCH: usize = 1 << 20;

/// Batches a worker may fall behind the body before the body waits: bounds
/// the memory of one request to about `(DEPTH + 2) × BATCH`.
const DEPTH: usize = 4;

/// Bytes written between early flushes of a long request.
const EARLY_SYNC: u64 = 32 << 20;

/// The body of one request, as the HTTP layer hands it over: frames that are
/// hashed and written as they are, never copied into a buffer of ours.
pub type BodyStream<'a> = dyn Stream<Item = std::io::Result<Bytes>> + Unpin + Send + 'a;

/// Frames of the body that go to every worker, and where they start in the file.
struct Batch {
    frames: Vec<Bytes>,
    at: u64,
}

type Digesting = (Hasher, Option<Hasher>);

fn joined(e: tokio::task::JoinError) -> UploadError {
    UploadError::Body(std::io::Error::other(e))
}

/// Makes what was written to `file` durable.
async fn sync(file: &Arc<std::fs::File>) -> Result<(), UploadError> {
    let f = file.clone();
    tokio::task::spawn_blocking(move || f.sync_data()).await.map_err(joined)??;
    Ok(())
}

/// The workers of one request: SHA-256, SM3 and the file writer, each on a
/// thread of its own fed through a bounded queue, so the two digests (the
/// physical limit here) never wait for each other or for the disk.
struct Pipeline {
    to_sha: mpsc::Sender<Arc<Batch>>,
    to_sm3: mpsc::Sender<Arc<Batch>>,
    to_file: mpsc::Sender<Arc<Batch>>,
    sha: tokio::task::JoinHandle<std::io::Result<Digesting>>,
    sm3: tokio::task::JoinHandle<std::io::Result<Digesting>>,
    file: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Hashes every batch into the running digest and, when the request carries
/// a checksum of that algorithm, into the request's own digest too.
fn hash_worker(
    mut rx: mpsc::Receiver<Arc<Batch>>,
    d: Digesting,
) -> tokio::task::JoinHandle<std::io::Result<Digesting>> {
    tokio::task::spawn_blocking(move || {
        let (mut total, mut chunk) = d;
        while let Some(batch) = rx.blocking_recv() {
            for frame in &batch.frames {
                total.update(frame)?;
                if let Some(h) = chunk.as_mut() {
                    h.update(frame)?;
                }
            }
        }
        Ok((total, chunk))
    })
}

impl Pipeline {
    fn start(file: Arc<std::fs::File>, sha: Digesting, sm3: Digesting) -> Self {
        use std::os::unix::fs::FileExt as _;
        let (to_sha, rx_sha) = mpsc::channel(DEPTH);
        let (to_sm3, rx_sm3) = mpsc::channel(DEPTH);
        let (to_file, mut rx_file) = mpsc::channel::<Arc<Batch>>(DEPTH);
        Pipeline {
            to_sha,
            to_sm3,
            to_file,
            sha: hash_worker(rx_sha, sha),
            sm3: hash_worker(rx_sm3, sm3),
            file: tokio::task::spawn_blocking(move || {
                while let Some(batch) = rx_file.blocking_recv() {
                    let mut at = batch.at;
                    for frame in &batch.frames {
                        file.write_all_at(frame, at)?;
                        at += frame.len() as u64;
                    }
                }
                Ok(())
            }),
        }
    }

    /// Hands a batch to every worker; false when one of them has stopped
    /// (its error comes from [`Pipeline::finish`]).
    async fn send(&self, batch: Batch) -> bool {
        let batch = Arc::new(batch);
        self.to_sha.send(batch.clone()).await.is_ok()
            && self.to_sm3.send(batch.clone()).await.is_ok()
            && self.to_file.send(batch).await.is_ok()
    }

    /// Waits for every worker: the running digests (with the request's own)
    /// once every batch is hashed and written.
    async fn finish(self) -> Result<(Digesting, Digesting), UploadError> {
        let Pipeline { to_sha, to_sm3, to_file, sha, sm3, file } = self;
        drop((to_sha, to_sm3, to_file));
        let sha = sha.await.map_err(joined)?;
        let sm3 = sm3.await.map_err(joined)?;
        file.await.map_err(joined)??;
        Ok((sha?, sm3?))
    }
}

/// One upload's running digests, behind the lock that lets one request write at a time.
type UploadLock = Arc<tokio::sync::Mutex<Option<HashState>>>;

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
        crate::blobs::create_private_file(&part)?.sync_all()?;
        let json = serde_json::to_vec(record).map_err(|e| UploadError::Body(std::io::Error::other(e)))?;
        self.blobs.write_small_durably(&self.blobs.upload_info(&record.id)?, &json)?;
        Ok(())
    }

    /// The creation record (its expiry counted from the last activity) and
    /// how many bytes are stored.
    pub fn status(&self, id: &str) -> Result<(UploadRecord, u64), UploadError> {
        let (mut record, offset) = self.stored_status(id)?;
        record.expires_ms = record.expires_from_activity();
        Ok((record, offset))
    }

    /// The creation record as stored, and how many bytes are stored.
    fn stored_status(&self, id: &str) -> Result<(UploadRecord, u64), UploadError> {
        let info = self.blobs.upload_info(id)?;
        let text = match std::fs::read(&info) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(UploadError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let record: UploadRecord =
            serde_json::from_slice(&text).map_err(|e| UploadError::Body(std::io::Error::other(e)))?;
        let offset = match std::fs::metadata(self.blobs.upload_part(id)?) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(UploadError::NotFound),
            Err(e) => return Err(e.into()),
        };
        Ok((record, offset))
    }

    /// Opens an upload's data file for writing and locks it against every
    /// other writer: requests on this node and on any other node sharing the
    /// folder (an advisory `flock`, released when the file closes).
    /// Takes the upload's file lock (`flock`, which other nodes sharing the
    /// uploads folder see too) through a read handle: a completed upload's
    /// file is a read-only original and must still be lockable.
    async fn open_locked(&self, id: &str) -> Result<std::fs::File, UploadError> {
        let part = self.blobs.upload_part(id)?;
        tokio::task::spawn_blocking(move || {
            let file = match std::fs::File::open(part) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(UploadError::NotFound),
                Err(e) => return Err(e.into()),
            };
            match file.try_lock() {
                Ok(()) => Ok(file),
                Err(std::fs::TryLockError::WouldBlock) => Err(UploadError::Busy),
                Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
            }
        })
        .await
        .map_err(joined)?
    }

    fn lock_for(&self, id: &str) -> UploadLock {
        let mut map = self.states.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id.to_owned()).or_default().clone()
    }

    /// Appends the body of one request at `offset`, read from `body`; see
    /// [`UploadArea::append_stream`].
    pub async fn append(
        &self,
        id: &str,
        offset: u64,
        body: &mut (dyn AsyncRead + Unpin + Send),
        checksum: Option<ChunkChecksum>,
    ) -> Result<Appended, UploadError> {
        let mut stream = tokio_util::io::ReaderStream::with_capacity(body, BUF);
        self.append_stream(id, offset, &mut stream, checksum).await
    }

    /// Appends the body of one request at `offset`. The bytes are on disk
    /// when this returns `Ok`. With a checksum that does not match, or a body
    /// that breaks off, the upload is left exactly as it was before.
    pub async fn append_stream(
        &self,
        id: &str,
        offset: u64,
        body: &mut BodyStream<'_>,
        checksum: Option<ChunkChecksum>,
    ) -> Result<Appended, UploadError> {
        self.append_stream_at(id, offset, body, checksum, None).await
    }

    /// [`UploadArea::append_stream`] at `now_ms`: refused once the upload has
    /// expired, and a success counts as activity, from which the expiry runs.
    /// The offset and the expiry are read under the upload's locks, so a
    /// request never writes into an upload that another request moved on,
    /// completed, or that expiry removed.
    pub async fn append_stream_at(
        &self,
        id: &str,
        offset: u64,
        body: &mut BodyStream<'_>,
        checksum: Option<ChunkChecksum>,
        now_ms: Option<i64>,
    ) -> Result<Appended, UploadError> {
        let lock = self.lock_for(id);
        let Ok(mut guard) = lock.try_lock() else { return Err(UploadError::Busy) };
        let _locked = self.open_locked(id).await?;
        let (record, current) = self.stored_status(id)?;
        if now_ms.is_some_and(|now| record.expires_from_activity() <= now) {
            return Err(UploadError::Expired);
        }
        if offset != current {
            return Err(UploadError::OffsetMismatch { current, given: offset });
        }
        let part = self.blobs.upload_part(id)?;
        // Opened for writing only now that the offset is known to be short
        // of the length (a complete upload's file is read-only); the lock
        // stays with the handle above.
        let file = std::fs::OpenOptions::new().write(true).open(&part)?;
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
        let file = Arc::new(file);
        let wants = |a| match checksum {
            Some(ChunkChecksum::Sha256(_)) if a == Algorithm::Sha256 => Some(Hasher::new(a)).transpose(),
            Some(ChunkChecksum::Sm3(_)) if a == Algorithm::Sm3 => Some(Hasher::new(a)).transpose(),
            _ => Ok(None),
        };
        let pipeline = Pipeline::start(
            file.clone(),
            (state.sha256.clone(), wants(Algorithm::Sha256)?),
            (state.sm3.clone(), wants(Algorithm::Sm3)?),
        );
        let mut written = current;
        // The body's frames go, in batches, to the hashers and the writer;
        // the next batch is gathered while they work on the last ones.
        let mut flushing: Option<tokio::task::JoinHandle<std::io::Result<()>>> = None;
        let mut synced = current;
        let read: Result<(), UploadError> = async {
            let mut batch = Batch { frames: Vec::new(), at: current };
            loop {
                let frame = body.next().await.transpose().map_err(UploadError::Body)?;
                if let Some(f) = &frame
                    && written + f.len() as u64 > record.length
                {
                    return Err(UploadError::TooLong(record.length));
                }
                let end = frame.is_none();
                if let Some(f) = frame.filter(|f| !f.is_empty()) {
                    written += f.len() as u64;
                    batch.frames.push(f);
                }
                if written - batch.at >= BATCH as u64 || (end && written > batch.at) {
                    let next = Batch { frames: Vec::new(), at: written };
                    if !pipeline.send(std::mem::replace(&mut batch, next)).await {
                        // A worker stopped; its error is what the request gets.
                        return Ok(());
                    }
                    // Flush to disk while the upload goes on, so the disk
                    // works beside the hashing and the final fsync waits only
                    // for the tail.
                    if written - synced >= EARLY_SYNC && flushing.as_ref().is_none_or(|h| h.is_finished()) {
                        if let Some(h) = flushing.take() {
                            h.await.map_err(joined)??;
                        }
                        let f = file.clone();
                        flushing = Some(tokio::task::spawn_blocking(move || f.sync_data()));
                        synced = written;
                    }
                }
                if end {
                    return Ok(());
                }
            }
        }
        .await;
        // Every batch sent is hashed and written before anything is decided.
        let finished = pipeline.finish().await;
        let flushed = match flushing.take() {
            Some(h) => h.await.map_err(joined).and_then(|r| r.map_err(UploadError::from)),
            None => Ok(()),
        };
        let result: Result<(), UploadError> = async {
            read?;
            let ((sha, chunk_sha), (sm3, chunk_sm3)) = finished?;
            flushed?;
            let ok = match (&checksum, chunk_sha, chunk_sm3) {
                (Some(ChunkChecksum::Sha256(want)), Some(h), _) => h.finish()? == *want,
                (Some(ChunkChecksum::Sm3(want)), _, Some(h)) => h.finish()? == *want,
                (None, _, _) => true,
                _ => false,
            };
            if !ok {
                return Err(UploadError::ChecksumMismatch);
            }
            sync(&file).await?;
            state = HashState { hashed: written, sha256: sha, sm3 };
            Ok(())
        }
        .await;
        if let Err(e) = result {
            // Give back everything this request wrote.
            let f = file.clone();
            tokio::task::spawn_blocking(move || f.set_len(current)).await.map_err(joined)??;
            sync(&file).await?;
            *guard = Some(before);
            return Err(e);
        }
        if let Some(now) = now_ms {
            let active = UploadRecord { active_ms: Some(now), ..record.clone() };
            let json =
                serde_json::to_vec(&active).map_err(|e| UploadError::Body(std::io::Error::other(e)))?;
            self.blobs.write_small_durably(&self.blobs.upload_info(id)?, &json)?;
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
            let mut f = crate::blobs::create_private_file(&path)?;
            f.write_all(&bytes)?;
            f.sync_all()
        })
        .await
        .map_err(|e| UploadError::Body(std::io::Error::other(e)))??;
        let stored = self.originals.put_file(&tmp, &hex, size).await;
        let _ = std::fs::remove_file(&tmp);
        Ok((hex, stored?))
    }

    /// Removes an upload, by the request that completed it (its bytes are
    /// final: evidence was made of them, or their digest was refused).
    pub fn remove(&self, id: &str) -> Result<(), UploadError> {
        self.blobs.remove_upload(id)?;
        self.forget(id);
        Ok(())
    }

    /// Removes an upload another request may be writing to (termination):
    /// under its locks, so no request writes into a removed file and still
    /// answers with progress; [`UploadError::Busy`] while one writes.
    pub async fn remove_locked(&self, id: &str) -> Result<(), UploadError> {
        let lock = self.lock_for(id);
        let Ok(_guard) = lock.try_lock() else { return Err(UploadError::Busy) };
        let _file = self.open_locked(id).await?;
        self.remove(id)
    }

    fn forget(&self, id: &str) {
        let mut map = self.states.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(id);
    }

    /// Removes the uploads whose expiry (from their last activity) has
    /// passed; returns their ids. Each is removed under its locks, after its
    /// expiry is read again there: an upload a request is writing to is
    /// left for the next round.
    /// An upload that cannot be removed is left for the next round (and
    /// logged), never stopping the others'.
    pub async fn expire(&self, now_ms: i64) -> Result<Vec<String>, UploadError> {
        let mut removed = Vec::new();
        for id in self.expired(now_ms)? {
            let lock = self.lock_for(&id);
            let Ok(_guard) = lock.try_lock() else { continue };
            let outcome: Result<bool, UploadError> = async {
                let _file = self.open_locked(&id).await?;
                match self.status(&id)? {
                    (r, _) if r.expires_ms <= now_ms => self.remove(&id).map(|()| true),
                    _ => Ok(false),
                }
            }
            .await;
            match outcome {
                Ok(true) => removed.push(id),
                Ok(false) | Err(UploadError::Busy | UploadError::NotFound) => {}
                Err(e) => tracing::warn!(upload = %id, error = %e, "an expired upload could not be removed"),
            }
        }
        Ok(removed)
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
