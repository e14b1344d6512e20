//! Where evidence originals live once their upload is complete: the local
//! blob folder (the default) or an S3-compatible bucket (`s3` feature).
//!
//! Both backends keep the same contract, checked by one conformance suite
//! (`tests/originals.rs`, run on S3 when `LIUHEN_TEST_S3_URL` is set):
//!
//! - objects are named by their SHA-256 (`objects/sha256/ab/cd/<hex>`) and
//!   written once: storing content that is already there writes nothing,
//!   and an existing object is never replaced;
//! - a stored object is durable before `put_file` returns (local: fsync of
//!   the file and its folder; S3: the PUT or CompleteMultipartUpload has
//!   been acknowledged);
//! - byte ranges stream with flat memory;
//! - `rehash` gives an object's SHA-256 as it is now; `quarantine` moves it
//!   to `quarantine/<hex>.<unix ms>` and, done again, finds it done (the
//!   service records the quarantine in the ledger before moving, so an
//!   interrupted scrub is finished by the next).
//!
//! Uploads in progress always stage on the local disk (see
//! [`crate::uploads`]); only finished, verified files reach this layer.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;

use crate::blobs::{BlobError, LocalBlobs, Stored};

/// A stream of an object's bytes.
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// An object's bytes as [`Originals::source`] gives them.
pub enum Source {
    /// The local file, from the start of the range to its end.
    File(io::Take<std::fs::File>),
    /// The object's stream (S3).
    Stream(ByteStream),
}

/// The store of evidence originals.
#[derive(Clone)]
pub struct Originals(Arc<Backend>);

enum Backend {
    Local(LocalBlobs),
    #[cfg(feature = "s3")]
    S3(s3::S3Originals),
}

impl std::fmt::Debug for Originals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// One stored original, ready to be read.
#[derive(Debug, Clone)]
pub struct Original {
    store: Originals,
    sha256_hex: String,
}

impl Original {
    /// Streams `len` bytes from `start`.
    pub async fn range(&self, start: u64, len: u64) -> Result<ByteStream, BlobError> {
        self.store.read(&self.sha256_hex, start, len).await
    }
}

impl Originals {
    /// Originals in the local blob folder.
    pub fn local(blobs: LocalBlobs) -> Self {
        Originals(Arc::new(Backend::Local(blobs)))
    }

    /// Opens the store a `--blob-url` names: `file:` (or empty) for the local
    /// folder, `s3://bucket[/prefix][?endpoint=URL&region=R]` for S3-compatible
    /// storage, with credentials from the usual `AWS_*` environment variables.
    pub fn from_url(url: Option<&str>, local: &LocalBlobs) -> Result<Self, BlobError> {
        match url {
            None | Some("") | Some("file:") => Ok(Self::local(local.clone())),
            #[cfg(feature = "s3")]
            Some(u) if u.starts_with("s3://") => {
                Ok(Originals(Arc::new(Backend::S3(s3::S3Originals::open(u)?))))
            }
            #[cfg(not(feature = "s3"))]
            Some(u) if u.starts_with("s3://") => Err(BlobError::Config(format!(
                "{u}: this build has no S3 support (build liuhen with `--features s3`)"
            ))),
            Some(u) => Err(BlobError::Config(format!(
                "{u}: a blob URL is `file:` or `s3://bucket[/prefix]?endpoint=…`"
            ))),
        }
    }

    /// Where the originals are, for logs and `--help` output (no secrets).
    pub fn describe(&self) -> String {
        match &*self.0 {
            Backend::Local(b) => format!("local folder {}", b.root().display()),
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.describe(),
        }
    }

    /// The original named by `sha256_hex` (not checked to exist until read).
    pub fn original(&self, sha256_hex: &str) -> Original {
        Original { store: self.clone(), sha256_hex: sha256_hex.to_owned() }
    }

    /// Stores the complete file at `file` (whose SHA-256 the caller computed
    /// while it streamed in) under its digest, create-only.
    pub async fn put_file(&self, file: &Path, sha256_hex: &str, size: u64) -> Result<Stored, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                let (b, file, hex) = (b.clone(), file.to_owned(), sha256_hex.to_owned());
                blocking(move || b.store_file(&file, &hex, size)).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.put_file(file, sha256_hex, size).await,
        }
    }

    /// Streams `len` bytes of an object from `start`.
    pub async fn read(&self, sha256_hex: &str, start: u64, len: u64) -> Result<ByteStream, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                use futures_util::StreamExt as _;
                use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                let (file, _) = blocking(move || b.open_object(&hex)).await?;
                let mut file = tokio::fs::File::from_std(file);
                file.seek(io::SeekFrom::Start(start)).await?;
                let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024);
                Ok(stream.boxed())
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.read(sha256_hex, start, len).await,
        }
    }

    /// Where an object is on this machine's disk: its file in the local
    /// folder, `None` on S3 (read it with [`Self::read`] instead). For tools
    /// that read files by path, such as a virus scanner; never write there.
    pub async fn local_path(&self, sha256_hex: &str) -> Result<Option<std::path::PathBuf>, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                blocking(move || Ok(Some(b.open_object(&hex)?.1))).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(_) => Ok(None),
        }
    }

    /// `len` bytes of an object from `start`, for a reader on a blocking
    /// thread: the local file itself, which the reader reads in pieces of
    /// its own size (nothing between it and the page cache), or the stream
    /// the S3 backend gives.
    pub async fn source(&self, sha256_hex: &str, start: u64, len: u64) -> Result<Source, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                use std::io::{Read as _, Seek as _};
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                blocking(move || {
                    let (mut file, _) = b.open_object(&hex)?;
                    file.seek(io::SeekFrom::Start(start))?;
                    Ok(Source::File(file.take(len)))
                })
                .await
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => Ok(Source::Stream(s.read(sha256_hex, start, len).await?)),
        }
    }

    /// The stat identity of an object's file in the local folder (see
    /// [`crate::FileIdentity`]); `None` on S3, which has no such thing.
    pub async fn identity(&self, sha256_hex: &str) -> Result<Option<crate::FileIdentity>, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                blocking(move || b.identity(&hex)).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(_) => Ok(None),
        }
    }

    /// The size of an object.
    pub async fn size(&self, sha256_hex: &str) -> Result<u64, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                blocking(move || Ok(b.open_object(&hex)?.0.metadata()?.len())).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.size(sha256_hex).await,
        }
    }

    /// Hex names of every stored object, sorted.
    pub async fn names(&self) -> Result<Vec<String>, BlobError> {
        match &*self.0 {
            Backend::Local(b) => {
                let b = b.clone();
                blocking(move || b.object_names()).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.names().await,
        }
    }

    /// The SHA-256 of an object's bytes as they are now.
    pub async fn rehash(&self, sha256_hex: &str) -> Result<String, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                blocking(move || b.rehash(&hex)).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.rehash(sha256_hex).await,
        }
    }

    /// Moves an object to `quarantine/<hex>.<ms>`; returns where it went.
    /// Idempotent: once moved, doing it again changes nothing.
    pub async fn quarantine(&self, sha256_hex: &str, ms: i64) -> Result<String, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                blocking(move || b.quarantine(&hex, ms)).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.quarantine(sha256_hex, ms).await,
        }
    }

    /// Removes an object for good (销毁, after its retention ran out and two people approved),
    /// durably. Idempotent: an object already gone is not an error.
    pub async fn destroy(&self, sha256_hex: &str) -> Result<(), BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                blocking(move || b.destroy(&hex)).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.destroy(sha256_hex).await,
        }
    }

    /// The SHA-256 of the copy of an object quarantined at `ms`, if any.
    pub async fn quarantined_sha256(&self, sha256_hex: &str, ms: i64) -> Result<Option<String>, BlobError> {
        check_hex(sha256_hex)?;
        match &*self.0 {
            Backend::Local(b) => {
                let (b, hex) = (b.clone(), sha256_hex.to_owned());
                blocking(move || b.quarantined_sha256(&hex, ms)).await
            }
            #[cfg(feature = "s3")]
            Backend::S3(s) => s.quarantined_sha256(sha256_hex, ms).await,
        }
    }
}

fn check_hex(hex: &str) -> Result<(), BlobError> {
    if hex.len() == 64 && hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(BlobError::BadId(hex.to_owned()))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| BlobError::Io(io::Error::other(e)))?
}

/// The object key of an original, below the store's prefix.
#[cfg(feature = "s3")]
fn object_key(hex: &str) -> String {
    let a = hex.get(..2).unwrap_or("xx");
    let b = hex.get(2..4).unwrap_or("xx");
    format!("objects/sha256/{a}/{b}/{hex}")
}

#[cfg(feature = "s3")]
mod s3 {
    //! S3-compatible storage through the `object_store` crate.

    use std::path::Path as FsPath;

    use futures_util::{StreamExt as _, TryStreamExt as _};
    use object_store::aws::{AmazonS3, AmazonS3Builder};
    use object_store::path::Path;
    use object_store::{
        GetOptions, GetRange, ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload,
        WriteMultipart,
    };
    use tokio::io::AsyncReadExt as _;

    use super::{ByteStream, object_key};
    use crate::blobs::{BlobError, Stored};
    use crate::digest::{Algorithm, Hasher};

    /// Files up to this size go up in one create-only PUT; larger ones in
    /// parts of this size (S3 allows at most 10,000 parts: 80 GiB).
    const PART: usize = 8 << 20;
    /// Parts in flight at once while uploading.
    const IN_FLIGHT: usize = 2;

    pub(super) struct S3Originals {
        store: AmazonS3,
        bucket: String,
        prefix: String,
        endpoint: Option<String>,
    }

    fn s3_err(e: object_store::Error) -> BlobError {
        match e {
            object_store::Error::NotFound { path, .. } => BlobError::NotFound(path),
            other => BlobError::Remote(other.to_string()),
        }
    }

    impl S3Originals {
        pub(super) fn open(url: &str) -> Result<Self, BlobError> {
            let bad = |why: &str| BlobError::Config(format!("{url}: {why}"));
            let rest = url.strip_prefix("s3://").ok_or_else(|| bad("not an s3:// URL"))?;
            let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
            let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
            if bucket.is_empty() {
                return Err(bad("the bucket is missing"));
            }
            let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
            let mut endpoint = None;
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').ok_or_else(|| bad("query parameters are key=value"))?;
                match k {
                    "endpoint" => {
                        builder = builder.with_endpoint(v).with_allow_http(v.starts_with("http://"));
                        endpoint = Some(v.to_owned());
                    }
                    "region" => builder = builder.with_region(v),
                    "virtual_hosted_style" => {
                        builder = builder.with_virtual_hosted_style_request(v == "true")
                    }
                    other => {
                        return Err(bad(&format!(
                            "unknown parameter `{other}` (known: endpoint, region, virtual_hosted_style)"
                        )));
                    }
                }
            }
            let store = builder.build().map_err(|e| bad(&e.to_string()))?;
            Ok(S3Originals {
                store,
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
                endpoint,
            })
        }

        pub(super) fn describe(&self) -> String {
            let at = self.endpoint.as_deref().map(|e| format!(" at {e}")).unwrap_or_default();
            format!("S3 bucket {} prefix {:?}{at}", self.bucket, self.prefix)
        }

        fn path(&self, key: &str) -> Path {
            if self.prefix.is_empty() {
                Path::from(key)
            } else {
                Path::from(format!("{}/{key}", self.prefix))
            }
        }

        pub(super) async fn put_file(
            &self,
            file: &FsPath,
            hex: &str,
            size: u64,
        ) -> Result<Stored, BlobError> {
            let path = self.path(&object_key(hex));
            match self.store.head(&path).await {
                Ok(meta) if meta.size == size => return Ok(Stored::AlreadyPresent),
                Ok(meta) => {
                    return Err(BlobError::Remote(format!(
                        "{path} exists with {} bytes, not {size}: the store holds a damaged copy (run a scrub)",
                        meta.size
                    )));
                }
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(s3_err(e)),
            }
            let mut f = tokio::fs::File::open(file).await?;
            if size <= PART as u64 {
                let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(PART));
                f.read_to_end(&mut buf).await?;
                let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
                return match self.store.put_opts(&path, PutPayload::from(buf), opts).await {
                    Ok(_) => Ok(Stored::New),
                    Err(object_store::Error::AlreadyExists { .. }) => Ok(Stored::AlreadyPresent),
                    Err(e) => Err(s3_err(e)),
                };
            }
            // Large files in parts. Content-addressed: should two nodes race
            // on the same content, both write the same bytes.
            let upload = self.store.put_multipart(&path).await.map_err(s3_err)?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
            let mut buf = vec![0u8; 1 << 20];
            let sent: Result<(), BlobError> = async {
                loop {
                    let n = f.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    writer.wait_for_capacity(IN_FLIGHT).await.map_err(s3_err)?;
                    writer.write(buf.get(..n).unwrap_or_default());
                }
                Ok(())
            }
            .await;
            match sent {
                Ok(()) => {
                    writer.finish().await.map_err(s3_err)?;
                    Ok(Stored::New)
                }
                Err(e) => {
                    let _ = writer.abort().await;
                    Err(e)
                }
            }
        }

        pub(super) async fn read(&self, hex: &str, start: u64, len: u64) -> Result<ByteStream, BlobError> {
            let path = self.path(&object_key(hex));
            if len == 0 {
                self.store.head(&path).await.map_err(s3_err)?;
                return Ok(futures_util::stream::empty().boxed());
            }
            let opts =
                GetOptions { range: Some(GetRange::Bounded(start..start + len)), ..Default::default() };
            let got = self.store.get_opts(&path, opts).await.map_err(s3_err)?;
            Ok(got.into_stream().map_err(|e| std::io::Error::other(e.to_string())).boxed())
        }

        pub(super) async fn size(&self, hex: &str) -> Result<u64, BlobError> {
            Ok(self.store.head(&self.path(&object_key(hex))).await.map_err(s3_err)?.size)
        }

        pub(super) async fn names(&self) -> Result<Vec<String>, BlobError> {
            let base = self.path("objects/sha256");
            let mut out: Vec<String> = self
                .store
                .list(Some(&base))
                .map_ok(|m| m.location.filename().unwrap_or_default().to_owned())
                .try_collect()
                .await
                .map_err(s3_err)?;
            out.sort();
            Ok(out)
        }

        async fn hash_of(&self, path: &Path) -> Result<String, BlobError> {
            let mut stream = self.store.get(path).await.map_err(s3_err)?.into_stream();
            let mut h = Hasher::new(Algorithm::Sha256)?;
            while let Some(chunk) = stream.next().await {
                h.update(&chunk.map_err(s3_err)?)?;
            }
            Ok(h.finish()?.iter().map(|b| format!("{b:02x}")).collect())
        }

        pub(super) async fn rehash(&self, hex: &str) -> Result<String, BlobError> {
            self.hash_of(&self.path(&object_key(hex))).await
        }

        pub(super) async fn quarantine(&self, hex: &str, ms: i64) -> Result<String, BlobError> {
            let path = self.path(&object_key(hex));
            let q = self.path(&format!("quarantine/{hex}.{ms}"));
            // Copy, then delete: S3 has no rename. Interrupted between the
            // two, the next run copies the same bytes again and deletes.
            match self.store.copy(&path, &q).await {
                Ok(()) => {}
                Err(object_store::Error::NotFound { .. }) => {
                    self.store.head(&q).await.map_err(s3_err)?;
                    return Ok(q.to_string());
                }
                Err(e) => return Err(s3_err(e)),
            }
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(q.to_string()),
                Err(e) => Err(s3_err(e)),
            }
        }

        pub(super) async fn destroy(&self, hex: &str) -> Result<(), BlobError> {
            match self.store.delete(&self.path(&object_key(hex))).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(s3_err(e)),
            }
        }

        pub(super) async fn quarantined_sha256(
            &self,
            hex: &str,
            ms: i64,
        ) -> Result<Option<String>, BlobError> {
            match self.hash_of(&self.path(&format!("quarantine/{hex}.{ms}"))).await {
                Ok(h) => Ok(Some(h)),
                Err(BlobError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            }
        }
    }
}
