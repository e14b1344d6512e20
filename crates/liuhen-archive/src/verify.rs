//! `liuhen verify PACKAGE`: a case-file package checked offline, with no
//! server and no database — the bag's manifests (SHA-256 and SM3), every
//! ledger proof against the package's checkpoint and the agency's keys,
//! that every document and evidence file is committed to by a ledger entry
//! in the package, and that the `archive.assembled` entry fixes the
//! payload manifests. Every failing item is named; verification goes on
//! past the first failure so the report is whole.
//!
//! The package is read once: each file is hashed as it streams (a tar file
//! is never unpacked), and only small files (the text and JSON the checks
//! parse) are kept in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path};

use liuhen_domain::LedgerEntry;
use liuhen_tlog::{Checkpoint, Hash, Note, Sha256Hasher, TlogProof, VerifierKey};
use serde::Serialize;

use crate::bag::{BAGIT_TXT, parse_bag_info, parse_manifest};
use crate::digest::{Digests, digest_reader};
use crate::layout::{self, LedgerIndex};

/// Files larger than this are hashed but not kept for parsing.
const KEEP_AT_MOST: u64 = 16 << 20;
/// The largest entry proof kept: a ledger entry (64 KiB at most), its proof and checkpoint.
const PROOF_AT_MOST: u64 = 256 << 10;

/// Which keys to trust.
#[derive(Debug, Clone)]
pub enum KeyChoice {
    /// Keys given by the person verifying; every one must have signed.
    Given(Vec<VerifierKey>),
    /// The keys in the package's `data/ledger/keys.txt` whose fingerprint
    /// starts with this (at least 16 hex digits).
    Fingerprint(String),
}

/// Why a verification could not run at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum CannotRun {
    #[error("{0}: no such file or folder")]
    Missing(String),
    #[error("{0}: not a BagIt bag (no bagit.txt at its base)")]
    NotABag(String),
    #[error("reading {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Keys(String),
}

/// One failing item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The file (or `package`) at fault.
    pub item: String,
    pub problem: String,
}

/// What a verification found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub package: String,
    pub verified: bool,
    /// 档号, case, entries, sizes: what was checked, for people.
    pub details: Vec<String>,
    pub failures: Vec<Failure>,
}

/// One file as read.
struct Seen {
    digests: Digests,
    /// The bytes, when small enough to parse.
    bytes: Option<Vec<u8>>,
}

struct Files {
    files: BTreeMap<String, Seen>,
    /// Things in the package that are not regular files (links, devices).
    strange: Vec<String>,
}

impl Files {
    fn text(&self, path: &str) -> Option<&str> {
        self.files.get(path).and_then(|s| s.bytes.as_deref()).and_then(|b| std::str::from_utf8(b).ok())
    }
}

/// Verifies the package at `path` (a bag folder or a tar file of one).
pub fn verify_package(path: &Path, keys: &KeyChoice) -> Result<Report, CannotRun> {
    let name = path.display().to_string();
    if !path.exists() {
        return Err(CannotRun::Missing(name));
    }
    let files = if path.is_dir() { read_dir(path)? } else { read_tar(path)? };
    if !files.files.contains_key(layout::BAGIT_TXT) {
        return Err(CannotRun::NotABag(name));
    }
    let mut v = Verifier { files: &files, failures: Vec::new(), details: Vec::new() };
    let keys = v.keys(keys)?;
    v.check(&keys);
    let verified = v.failures.is_empty();
    Ok(Report { package: name, verified, details: v.details, failures: v.failures })
}

struct Verifier<'a> {
    files: &'a Files,
    failures: Vec<Failure>,
    details: Vec<String>,
}

impl Verifier<'_> {
    fn fail(&mut self, item: &str, problem: impl Into<String>) {
        self.failures.push(Failure { item: item.to_owned(), problem: problem.into() });
    }

    fn keys(&mut self, choice: &KeyChoice) -> Result<Vec<VerifierKey>, CannotRun> {
        let files = self.files;
        match choice {
            KeyChoice::Given(keys) if keys.is_empty() => Err(CannotRun::Keys(
                "give the agency's verifier key with --key, or --key-fingerprint for the keys in the package"
                    .into(),
            )),
            KeyChoice::Given(keys) => Ok(keys.clone()),
            KeyChoice::Fingerprint(fp) => {
                let fp = fp.trim().to_ascii_lowercase();
                if fp.len() < 16 || !fp.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(CannotRun::Keys("a key fingerprint is at least 16 hex digits".into()));
                }
                let text = files.text(layout::KEYS).ok_or_else(|| {
                    CannotRun::Keys(format!("the package has no {} to pick keys from", layout::KEYS))
                })?;
                let mut keys = Vec::new();
                for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    if layout::key_fingerprint(line).starts_with(&fp) {
                        let key = VerifierKey::parse(line)
                            .map_err(|e| CannotRun::Keys(format!("{}: key {line:?}: {e}", layout::KEYS)))?;
                        keys.push(key);
                    }
                }
                if keys.is_empty() {
                    return Err(CannotRun::Keys(format!(
                        "no key in {} has a fingerprint starting {fp}",
                        layout::KEYS
                    )));
                }
                Ok(keys)
            }
        }
    }

    fn check(&mut self, keys: &[VerifierKey]) {
        let files = self.files;
        for s in &files.strange {
            self.failures.push(Failure { item: s.clone(), problem: "not a regular file".into() });
        }
        if files.text(layout::BAGIT_TXT) != Some(BAGIT_TXT) {
            self.fail(layout::BAGIT_TXT, "is not BagIt 1.0 with UTF-8 tag files");
        }
        self.manifests();
        self.tag_manifest();
        let info = files.text(layout::BAG_INFO).map(parse_bag_info).unwrap_or_default();
        self.oxum(&info);
        let payload = self.payload_checkpoint(keys);
        let committed = payload.as_ref().map(|(note, cp)| self.entries(note, cp)).unwrap_or_default();
        self.committed_files(&committed);
        if let Some((_, cp)) = &payload {
            self.archive_entry(keys, cp, &info);
        }
    }

    /// Both payload manifests list exactly the files under `data/`, with their digests.
    fn manifests(&mut self) {
        let files = self.files;
        let payload: BTreeSet<&String> =
            files.files.keys().filter(|p| p.starts_with(layout::PAYLOAD)).collect();
        for (manifest, sha) in [(layout::MANIFEST_SHA256, true), (layout::MANIFEST_SM3, false)] {
            let Some(text) = files.text(manifest) else {
                self.fail(manifest, "missing");
                continue;
            };
            let listed = match parse_manifest(text) {
                Ok(l) => l,
                Err(e) => {
                    self.fail(manifest, e);
                    continue;
                }
            };
            for (path, want) in &listed {
                match files.files.get(path) {
                    None => self.fail(path, format!("listed in {manifest} but not in the package")),
                    Some(seen) => {
                        let got = if sha {
                            hex::encode(seen.digests.sha256)
                        } else {
                            hex::encode(seen.digests.sm3)
                        };
                        if &got != want {
                            let alg = if sha { "SHA-256" } else { "SM3" };
                            self.fail(path, format!("{alg} is {got}, {manifest} says {want}"));
                        }
                    }
                }
                if !path.starts_with(layout::PAYLOAD) {
                    self.fail(path, format!("{manifest} lists a file outside data/"));
                }
            }
            for p in &payload {
                if !listed.contains_key(*p) {
                    self.fail(p, format!("in the payload but not in {manifest}"));
                }
            }
        }
    }

    /// The tag manifest covers every tag file with its SHA-256.
    fn tag_manifest(&mut self) {
        let files = self.files;
        let Some(text) = files.text(layout::TAGMANIFEST_SHA256) else {
            self.fail(layout::TAGMANIFEST_SHA256, "missing");
            return;
        };
        let listed = match parse_manifest(text) {
            Ok(l) => l,
            Err(e) => {
                self.fail(layout::TAGMANIFEST_SHA256, e);
                return;
            }
        };
        for (path, want) in &listed {
            match files.files.get(path) {
                None => self.fail(path, "listed in the tag manifest but not in the package"),
                Some(seen) if &hex::encode(seen.digests.sha256) != want => {
                    self.fail(path, "SHA-256 differs from the tag manifest");
                }
                Some(_) => {}
            }
        }
        let tags: Vec<String> = self
            .files
            .files
            .keys()
            .filter(|p| !p.starts_with(layout::PAYLOAD) && p.as_str() != layout::TAGMANIFEST_SHA256)
            .filter(|p| !p.starts_with("tagmanifest-"))
            .cloned()
            .collect();
        for p in tags {
            if !listed.contains_key(&p) {
                self.fail(&p, "a tag file the tag manifest does not list");
            }
        }
    }

    fn oxum(&mut self, info: &BTreeMap<String, String>) {
        let (bytes, count) = self
            .files
            .files
            .iter()
            .filter(|(p, _)| p.starts_with(layout::PAYLOAD))
            .fold((0u64, 0u64), |(b, c), (_, s)| (b + s.digests.size, c + 1));
        let got = format!("{bytes}.{count}");
        match info.get("Payload-Oxum") {
            Some(want) if *want == got => {}
            Some(want) => self.fail(layout::BAG_INFO, format!("Payload-Oxum {want}, the payload is {got}")),
            None => self.fail(layout::BAG_INFO, "no Payload-Oxum"),
        }
    }

    /// The payload checkpoint, signed by every trusted key.
    fn payload_checkpoint(&mut self, keys: &[VerifierKey]) -> Option<(String, Checkpoint)> {
        let files = self.files;
        let Some(note) = files.text(layout::CHECKPOINT) else {
            self.fail(layout::CHECKPOINT, "missing");
            return None;
        };
        match signed_checkpoint(note, keys) {
            Ok(cp) => {
                self.details.push(format!(
                    "payload checkpoint: {} entries, root {}, origin {}",
                    cp.size,
                    cp.root.to_base64(),
                    cp.origin
                ));
                Some((note.to_owned(), cp))
            }
            Err(e) => {
                self.fail(layout::CHECKPOINT, e);
                None
            }
        }
    }

    /// Every listed entry proven against the payload checkpoint and about
    /// the case; the file digests the entries commit to.
    fn entries(&mut self, note: &str, cp: &Checkpoint) -> Committed {
        let files = self.files;
        let mut committed = Committed::default();
        let index: LedgerIndex = match files.text(layout::INDEX).map(serde_json::from_str) {
            Some(Ok(i)) => i,
            Some(Err(e)) => {
                self.fail(layout::INDEX, format!("not a ledger index: {e}"));
                return committed;
            }
            None => {
                self.fail(layout::INDEX, "missing");
                return committed;
            }
        };
        committed.case = Some(index.case.clone());
        if index.size != cp.size {
            self.fail(
                layout::INDEX,
                format!("size {} but the checkpoint's tree has {}", index.size, cp.size),
            );
        }
        let listed: BTreeSet<u64> = index.entries.iter().copied().collect();
        if listed.len() != index.entries.len() {
            self.fail(layout::INDEX, "an entry is listed twice");
        }
        let present: Vec<String> =
            files.files.keys().filter(|p| p.starts_with(layout::ENTRIES)).cloned().collect();
        for p in &present {
            let n = p
                .strip_prefix(layout::ENTRIES)
                .and_then(|r| r.strip_suffix(".tlog-proof"))
                .and_then(|n| n.parse::<u64>().ok());
            if !n.is_some_and(|n| listed.contains(&n)) {
                self.fail(p, "a proof the ledger index does not list");
            }
        }
        for n in &listed {
            let path = layout::entry_path(*n);
            let Some(seen) = files.files.get(&path) else {
                self.fail(&path, "the ledger index lists this entry; its proof is not in the package");
                continue;
            };
            let Some(bytes) = seen.bytes.as_deref() else {
                self.fail(&path, "too large for a tlog-proof");
                continue;
            };
            let entry = match prove_entry(bytes, *n, note, cp) {
                Ok(e) => e,
                Err(e) => {
                    self.fail(&path, e);
                    continue;
                }
            };
            let about = entry.subjects.iter().any(|s| *s == index.case || index.records.contains(s));
            if !about {
                self.fail(
                    &path,
                    format!(
                        "entry {n} ({}) names neither {} nor a record filed with it",
                        entry.kind, index.case
                    ),
                );
            }
            for s in &entry.subjects {
                if let Some(h) =
                    s.strip_prefix(layout::PDF_SHA256).or_else(|| s.strip_prefix(layout::FILE_SHA256))
                {
                    committed.sha256.insert(h.to_owned());
                }
                if let Some(h) = s.strip_prefix(layout::PDF_SM3).or_else(|| s.strip_prefix(layout::FILE_SM3))
                {
                    committed.sm3.insert(h.to_owned());
                }
            }
        }
        self.details.push(format!("{} ledger entries about {}, each proven", listed.len(), index.case));
        committed
    }

    /// Every document and evidence file is committed to by an entry in the package.
    fn committed_files(&mut self, committed: &Committed) {
        let files: Vec<(String, Digests)> = self
            .files
            .files
            .iter()
            .filter(|(p, _)| {
                (p.starts_with(layout::DOCUMENTS) && p.ends_with(".pdf")) || p.starts_with(layout::EVIDENCE)
            })
            .map(|(p, s)| (p.clone(), s.digests))
            .collect();
        for (path, d) in &files {
            let (sha, sm) = (hex::encode(d.sha256), hex::encode(d.sm3));
            if !committed.sha256.contains(&sha) || !committed.sm3.contains(&sm) {
                self.fail(path, "no ledger entry in the package commits to this file's SHA-256 and SM3");
            }
        }
        self.details.push(format!("{} document and evidence files, each committed by an entry", files.len()));
    }

    /// The `archive.assembled` entry: proven, about the case, naming the
    /// package's 档号 and both payload manifests; its checkpoint extends the
    /// payload checkpoint.
    fn archive_entry(&mut self, keys: &[VerifierKey], payload: &Checkpoint, info: &BTreeMap<String, String>) {
        let files = self.files;
        let item = layout::ARCHIVE_ENTRY;
        let Some(bytes) = files.files.get(item).and_then(|s| s.bytes.clone()) else {
            self.fail(item, "missing: nothing fixes the payload");
            return;
        };
        let proof = match TlogProof::parse(&bytes) {
            Ok(p) => p,
            Err(e) => {
                self.fail(item, format!("not a tlog-proof: {e}"));
                return;
            }
        };
        let cp = match signed_checkpoint(&proof.checkpoint, keys) {
            Ok(cp) => cp,
            Err(e) => {
                self.fail(item, format!("its checkpoint: {e}"));
                return;
            }
        };
        let entry = match prove_entry(&bytes, proof.index, &proof.checkpoint, &cp) {
            Ok(e) => e,
            Err(e) => {
                self.fail(item, e);
                return;
            }
        };
        if entry.kind != layout::ASSEMBLED_KIND {
            self.fail(item, format!("entry kind {}, not {}", entry.kind, layout::ASSEMBLED_KIND));
        }
        let subject =
            |prefix: &str| entry.subjects.iter().find_map(|s| s.strip_prefix(prefix).map(str::to_owned));
        let manifest_digest = |path: &str, sha: bool| {
            files
                .files
                .get(path)
                .map(|s| if sha { hex::encode(s.digests.sha256) } else { hex::encode(s.digests.sm3) })
        };
        let checks = [
            (
                layout::MANIFEST_SHA256,
                subject(layout::MANIFEST_SHA256_SUBJECT),
                manifest_digest(layout::MANIFEST_SHA256, true),
            ),
            (
                layout::MANIFEST_SM3,
                subject(layout::MANIFEST_SM3_SUBJECT),
                manifest_digest(layout::MANIFEST_SM3, false),
            ),
        ];
        for (path, named, got) in checks {
            match (named, got) {
                (Some(n), Some(g)) if n == g => {}
                (None, _) => self.fail(item, format!("the entry names no digest of {path}")),
                (Some(_), _) => self.fail(path, "differs from the one the archive.assembled entry fixed"),
            }
        }
        let file_no = subject(layout::FILE_NO_SUBJECT);
        match (&file_no, info.get("External-Identifier")) {
            (Some(a), Some(b)) if a == b => self.details.push(format!("档号 {a}")),
            (Some(a), b) => self.fail(
                layout::BAG_INFO,
                format!(
                    "External-Identifier {:?}, the archive entry names 档号 {a}",
                    b.map(String::as_str).unwrap_or("")
                ),
            ),
            (None, _) => self.fail(item, "the entry names no 档号"),
        }
        let case = files.text(layout::INDEX).and_then(|t| serde_json::from_str::<LedgerIndex>(t).ok());
        if let Some(case) = case
            && !entry.subjects.contains(&case.case)
        {
            self.fail(item, format!("the entry does not name {}", case.case));
        }
        if proof.index < payload.size {
            self.fail(item, "the archive entry is older than the payload checkpoint");
        }
        self.consistency(payload, &cp);
        self.details.push(format!("archive entry {} in the tree of {} entries", proof.index, cp.size));
    }

    fn consistency(&mut self, c1: &Checkpoint, c2: &Checkpoint) {
        let files = self.files;
        let item = layout::CONSISTENCY;
        let Some(text) = files.text(item) else {
            self.fail(item, "missing");
            return;
        };
        let mut lines = text.lines();
        let sizes: Vec<u64> =
            lines.next().unwrap_or_default().split_whitespace().filter_map(|n| n.parse().ok()).collect();
        if sizes != [c1.size, c2.size] {
            self.fail(
                item,
                format!("names sizes {sizes:?}, the checkpoints are {} and {}", c1.size, c2.size),
            );
            return;
        }
        let hashes: Result<Vec<Hash>, _> =
            lines.filter(|l| !l.trim().is_empty()).map(|l| Hash::from_base64(l.trim())).collect();
        let ok = match hashes {
            Ok(h) if c1.size == c2.size => h.is_empty() && c1.root == c2.root,
            Ok(h) => {
                liuhen_tlog::verify_consistency::<Sha256Hasher>(c1.size, c2.size, &c1.root, &c2.root, &h)
                    .is_ok()
            }
            Err(_) => false,
        };
        if !ok {
            self.fail(item, "the payload checkpoint is not a prefix of the archive entry's");
        }
    }
}

#[derive(Default)]
struct Committed {
    case: Option<String>,
    sha256: BTreeSet<String>,
    sm3: BTreeSet<String>,
}

/// The checkpoint of a note every key in `keys` signed.
fn signed_checkpoint(note: &str, keys: &[VerifierKey]) -> Result<Checkpoint, String> {
    let parsed = Note::parse(note.as_bytes()).map_err(|e| format!("not a signed note: {e}"))?;
    let cp = Checkpoint::parse(&parsed.text).map_err(|e| format!("not a checkpoint: {e}"))?;
    let verified = parsed.verify(keys).map_err(|e| format!("signatures: {e}"))?;
    for k in keys {
        if !verified.is_signed_by(k) {
            return Err(format!("no valid signature by {} ({:08x})", k.name(), k.key_id()));
        }
    }
    if keys.first().is_some_and(|k| k.name() != cp.origin) {
        return Err(format!(
            "the checkpoint's origin is {}, the key is {}'s",
            cp.origin,
            keys.first().map(|k| k.name()).unwrap_or("")
        ));
    }
    Ok(cp)
}

/// The entry a tlog-proof carries, proven in `cp` (whose note is `note`, already verified).
fn prove_entry(bytes: &[u8], index: u64, note: &str, cp: &Checkpoint) -> Result<LedgerEntry, String> {
    let proof = TlogProof::parse(bytes).map_err(|e| format!("not a tlog-proof: {e}"))?;
    if proof.index != index {
        return Err(format!("proves entry {}, not {index}", proof.index));
    }
    let entry = proof.extra.clone().ok_or("the proof carries no entry")?;
    proof.verify_with_trusted(&entry, note, cp).map_err(|e| format!("inclusion: {e}"))?;
    LedgerEntry::decode(&entry).map_err(|e| format!("entry {index}: {e}"))
}

/// Whether a file is one the checks parse, and so kept in memory: the tag
/// files and the ledger files, each at most [`KEEP_AT_MOST`] (an entry's
/// proof at most [`PROOF_AT_MOST`], so a package of many huge "proofs"
/// cannot fill the verifier's memory). Everything else is only hashed.
fn keep(path: &str, size: u64) -> bool {
    let parsed =
        !path.starts_with(layout::PAYLOAD) || path.starts_with("data/ledger/") || path == layout::INDEX;
    let cap = if path.starts_with(layout::ENTRIES) { PROOF_AT_MOST } else { KEEP_AT_MOST };
    parsed && size <= cap
}

fn read_dir(base: &Path) -> Result<Files, CannotRun> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| CannotRun::Io { path, source }
    };
    let mut out = Files { files: BTreeMap::new(), strange: Vec::new() };
    let mut stack = vec![base.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let path = entry.path();
            let rel = relative(base, &path);
            let kind = entry.file_type().map_err(io(&path))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let mut f = File::open(&path).map_err(io(&path))?;
                let size = f.metadata().map_err(io(&path))?.len();
                let seen = read_one(&rel, size, &mut f).map_err(io(&path))?;
                out.files.insert(rel, seen);
            } else {
                out.strange.push(rel);
            }
        }
    }
    Ok(out)
}

fn relative(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn read_one(rel: &str, size: u64, r: &mut dyn Read) -> std::io::Result<Seen> {
    if keep(rel, size) {
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        r.read_to_end(&mut bytes)?;
        Ok(Seen { digests: Digests::of(&bytes), bytes: Some(bytes) })
    } else {
        Ok(Seen { digests: digest_reader(r, Some(size))?, bytes: None })
    }
}

/// A tar file of a bag: the bag at its root, or in one top folder.
fn read_tar(path: &Path) -> Result<Files, CannotRun> {
    let name = path.display().to_string();
    let io = |source| CannotRun::Io { path: name.clone(), source };
    let file = File::open(path).map_err(io)?;
    let mut archive = tar::Archive::new(std::io::BufReader::with_capacity(1 << 20, file));
    let mut files: BTreeMap<String, Seen> = BTreeMap::new();
    let mut strange = Vec::new();
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let rel = {
            let p = entry.path().map_err(io)?;
            relative(Path::new(""), &p)
        };
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            strange.push(rel);
            continue;
        }
        let size = entry.size();
        let seen = read_one(&rel, size, &mut entry).map_err(io)?;
        if files.insert(rel.clone(), seen).is_some() {
            strange.push(format!("{rel} (twice in the tar file)"));
        }
    }
    // A bag in one top folder: strip it.
    if !files.contains_key(layout::BAGIT_TXT) {
        let tops: BTreeSet<&str> = files.keys().filter_map(|p| p.split('/').next()).collect();
        if let [top] = tops.into_iter().collect::<Vec<_>>().as_slice() {
            let prefix = format!("{top}/");
            if files.contains_key(&format!("{prefix}{}", layout::BAGIT_TXT)) {
                files = files
                    .into_iter()
                    .map(|(p, s)| (p.strip_prefix(&prefix).map(str::to_owned).unwrap_or(p), s))
                    .collect();
            }
        }
    }
    Ok(Files { files, strange })
}
