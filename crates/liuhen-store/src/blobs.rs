//! Evidence originals on local disk: content-addressed by SHA-256, written
//! once, durably (temp file → fsync → link into place → fsync the folder),
//! never overwritten, verified on demand (`scrub`), and moved to
//! `quarantine/` when they no longer match their name.
//!
//! Layout under the blob root:
//! ```text
//! objects/sha256/ab/cd/abcd…(64 hex)    originals, read-only once written
//! uploads/<upload id>.part                tus uploads in progress
//! uploads/<upload id>.info                their creation record (JSON)
//! quarantine/<hex>.<unix ms>              objects that failed a scrub
//! ```
//! File names from clients never become paths: every path here is built
//! from a hex digest or a server-made id.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// What went wrong with a blob.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob {0} not found")]
    NotFound(String),
    #[error("the disk is full: {0}")]
    DiskFull(io::Error),
    #[error("blob storage I/O failed: {0}")]
    Io(#[from] io::Error),
    #[error("an id {0:?} is not a server-made id")]
    BadId(String),
    #[error("blob storage is misconfigured: {0}")]
    Config(String),
    #[error("object storage failed: {0}")]
    Remote(String),
}

fn io_err(e: io::Error) -> BlobError {
    // ENOSPC (28) and EDQUOT (122) on Linux: say so, the upload stays resumable.
    if matches!(e.raw_os_error(), Some(28) | Some(122)) { BlobError::DiskFull(e) } else { BlobError::Io(e) }
}

/// Outcome of storing a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Written now.
    New,
    /// The same content was already there; nothing was written.
    AlreadyPresent,
}

/// The local blob folder.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Creates a folder and its missing parents, private to liuhen's user
/// (0700): evidence is personal data, whatever the umask says.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Creates (or truncates) a file for writing; a new one is private to
/// liuhen's user (0600), whatever the umask says. Originals are hard links
/// to such files, so they share the mode.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Fsyncs a folder so that a rename or link inside it is durable.
fn sync_dir(dir: &Path) -> Result<(), BlobError> {
    #[cfg(test)]
    tests::SYNCED.with(|s| s.borrow_mut().push(dir.to_owned()));
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err)
}

/// Creates a folder and any missing parents, each made durable in its own
/// parent: an object linked into a new folder must not vanish with the
/// folder after a crash.
fn create_dir_durably(dir: &Path) -> Result<(), BlobError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dir_durably(parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    if let Err(e) = builder.create(dir) {
        // Made meanwhile by another writer, who may not have synced it yet:
        // it is synced here too (rare, and cheap), so that what is linked
        // into it next cannot outlive it.
        if !(e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir()) {
            return Err(io_err(e));
        }
    }
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent),
        _ => Ok(()),
    }
}

impl LocalBlobs {
    /// Opens (creating) the blob folder.
    pub fn open(root: &Path) -> Result<LocalBlobs, BlobError> {
        for sub in ["objects/sha256", "uploads", "quarantine"] {
            create_dir_durably(&root.join(sub))?;
        }
        Ok(LocalBlobs { root: root.to_owned() })
    }

    fn object_path(&self, hex: &str) -> PathBuf {
        let a = hex.get(..2).unwrap_or("xx");
        let b = hex.get(2..4).unwrap_or("xx");
        self.root.join("objects/sha256").join(a).join(b).join(hex)
    }

    /// The path of an upload's data file.
    pub fn upload_part(&self, id: &str) -> Result<PathBuf, BlobError> {
        if !valid_id(id) {
            return Err(BlobError::BadId(id.to_owned()));
        }
        Ok(self.root.join("uploads").join(format!("{id}.part")))
    }

    /// The path of an upload's creation record.
    pub fn upload_info(&self, id: &str) -> Result<PathBuf, BlobError> {
        if !valid_id(id) {
            return Err(BlobError::BadId(id.to_owned()));
        }
        Ok(self.root.join("uploads").join(format!("{id}.info")))
    }

    /// Ids of every upload in progress (for expiry).
    pub fn upload_ids(&self) -> Result<Vec<String>, BlobError> {
        let mut out = Vec::new();
        for e in fs::read_dir(self.root.join("uploads")).map_err(io_err)? {
            let name = e.map_err(io_err)?.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".info") {
                out.push(id.to_owned());
            }
        }
        Ok(out)
    }

    /// Writes a small file durably and atomically (temp, fsync, rename, fsync dir).
    pub fn write_small_durably(&self, path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
        let tmp = path.with_extension("tmp");
        {
            let mut f = create_private_file(&tmp).map_err(io_err)?;
            f.write_all(bytes).map_err(io_err)?;
            f.sync_all().map_err(io_err)?;
        }
        fs::rename(&tmp, path).map_err(io_err)?;
        sync_dir(path.parent().unwrap_or(&self.root))
    }

    /// Removes an upload's files.
    pub fn remove_upload(&self, id: &str) -> Result<(), BlobError> {
        for p in [self.upload_part(id)?, self.upload_info(id)?] {
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(e)),
            }
        }
        Ok(())
    }

    /// The blob folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Puts a finished file (an upload's data, in this folder) into place as
    /// the object named by its SHA-256 (which the caller computed while the
    /// bytes streamed in). The data is fsynced first; the object appears by
    /// a create-only link, so an existing object is never replaced; then the
    /// folder is fsynced. The file itself stays until the caller removes it
    /// (after recording it), so a failure in between can be retried.
    pub fn store_file(&self, part: &Path, sha256_hex: &str, size: u64) -> Result<Stored, BlobError> {
        File::open(part).and_then(|f| f.sync_all()).map_err(io_err)?;
        let dest = self.object_path(sha256_hex);
        let dir = dest.parent().unwrap_or(&self.root).to_owned();
        create_dir_durably(&dir)?;
        let outcome = match fs::hard_link(part, &dest) {
            Ok(()) => Stored::New,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let there = fs::metadata(&dest).map_err(io_err)?.len();
                if there != size {
                    return Err(BlobError::Io(io::Error::other(format!(
                        "{} exists with {there} bytes, not {size}: a damaged copy (run a scrub)",
                        dest.display()
                    ))));
                }
                Stored::AlreadyPresent
            }
            Err(e) => return Err(io_err(e)),
        };
        if outcome == Stored::New {
            let mut perms = fs::metadata(&dest).map_err(io_err)?.permissions();
            perms.set_readonly(true);
            fs::set_permissions(&dest, perms).map_err(io_err)?;
            sync_dir(&dir)?;
        }
        Ok(outcome)
    }

    /// Opens an object for reading.
    pub fn open_object(&self, sha256_hex: &str) -> Result<(File, PathBuf), BlobError> {
        let p = self.object_path(sha256_hex);
        match File::open(&p) {
            Ok(f) => Ok((f, p)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(BlobError::NotFound(sha256_hex.to_owned())),
            Err(e) => Err(io_err(e)),
        }
    }

    /// The stat identity of an object's file (`None` where the platform has none).
    pub fn identity(&self, sha256_hex: &str) -> Result<Option<crate::FileIdentity>, BlobError> {
        match fs::metadata(self.object_path(sha256_hex)) {
            Ok(m) => Ok(crate::FileIdentity::of(&m)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(BlobError::NotFound(sha256_hex.to_owned())),
            Err(e) => Err(io_err(e)),
        }
    }

    /// Hex names of every stored object.
    pub fn object_names(&self) -> Result<Vec<String>, BlobError> {
        let mut out = Vec::new();
        let base = self.root.join("objects/sha256");
        for a in fs::read_dir(&base).map_err(io_err)? {
            for b in fs::read_dir(a.map_err(io_err)?.path()).map_err(io_err)? {
                for o in fs::read_dir(b.map_err(io_err)?.path()).map_err(io_err)? {
                    out.push(o.map_err(io_err)?.file_name().to_string_lossy().into_owned());
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The SHA-256 of an object's bytes as they are now.
    pub fn rehash(&self, hex: &str) -> Result<String, BlobError> {
        let (f, _) = self.open_object(hex)?;
        sha256_of(f)
    }

    /// Where an object quarantined at `ms` goes.
    fn quarantine_path(&self, hex: &str, ms: i64) -> PathBuf {
        self.root.join("quarantine").join(format!("{hex}.{ms}"))
    }

    /// Moves an object to `quarantine/<hex>.<ms>`, durably. Done again after
    /// it was done, it finds the object gone and its quarantined copy there,
    /// and does nothing.
    pub fn quarantine(&self, hex: &str, ms: i64) -> Result<String, BlobError> {
        let path = self.object_path(hex);
        let q = self.quarantine_path(hex, ms);
        match fs::rename(&path, &q) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound && q.exists() => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(BlobError::NotFound(hex.to_owned())),
            Err(e) => return Err(io_err(e)),
        }
        sync_dir(path.parent().unwrap_or(&self.root))?;
        sync_dir(&self.root.join("quarantine"))?;
        Ok(q.display().to_string())
    }

    /// Removes an object and makes its removal durable; gone already is fine.
    pub fn destroy(&self, hex: &str) -> Result<(), BlobError> {
        let path = self.object_path(hex);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err(e)),
        }
        sync_dir(path.parent().unwrap_or(&self.root))
    }

    /// The SHA-256 of the copy quarantined at `ms`, if there is one.
    pub fn quarantined_sha256(&self, hex: &str, ms: i64) -> Result<Option<String>, BlobError> {
        match File::open(self.quarantine_path(hex, ms)) {
            Ok(f) => sha256_of(f).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(e)),
        }
    }
}

fn sha256_of(mut f: File) -> Result<String, BlobError> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex_lower(&h.finalize()))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Folders fsynced by this thread, oldest first.
        pub(super) static SYNCED: std::cell::RefCell<Vec<PathBuf>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    #[test]
    fn new_object_folders_are_fsynced_in_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::open(dir.path()).unwrap();
        let part = dir.path().join("uploads/u.part");
        fs::write(&part, b"evidence").unwrap();
        let hex = hex_lower(&Sha256::digest(b"evidence"));
        SYNCED.with(|s| s.borrow_mut().clear());
        blobs.store_file(&part, &hex, 8).unwrap();
        let synced = SYNCED.with(|s| s.borrow().clone());
        let base = dir.path().join("objects/sha256");
        let (a, b) = (base.join(&hex[..2]), base.join(&hex[..2]).join(&hex[2..4]));
        // `ab` is made durable in `sha256`, `ab/cd` in `ab`, the object in `ab/cd`.
        for folder in [&base, &a, &b] {
            assert!(synced.contains(folder), "{} not fsynced: {synced:?}", folder.display());
        }
    }
}

#[cfg(all(test, unix))]
mod mode_tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// Evidence is personal data: folders 0700 and files 0600, whatever the umask.
    #[test]
    fn blob_folders_and_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::open(&dir.path().join("blobs")).unwrap();
        let part = blobs.upload_part("u1").unwrap();
        create_private_file(&part).unwrap().write_all(b"evidence").unwrap();
        blobs.write_small_durably(&blobs.upload_info("u1").unwrap(), b"{}").unwrap();
        let hex = "ab".repeat(32);
        blobs.store_file(&part, &hex, 8).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for d in [
            blobs.root().to_owned(),
            blobs.root().join("uploads"),
            blobs.object_path(&hex).parent().unwrap().into(),
        ] {
            assert_eq!(mode(&d), 0o700, "{}", d.display());
        }
        for f in [part, blobs.upload_info("u1").unwrap(), blobs.object_path(&hex)] {
            assert_eq!(mode(&f) & 0o077, 0, "{} is open: {:o}", f.display(), mode(&f));
        }
    }
}
