//! Where things are in a package, and the names its ledger entries use.
//! `docs/archive-package.md` is the same, in prose.

use serde::{Deserialize, Serialize};

pub const BAGIT_TXT: &str = "bagit.txt";
pub const BAG_INFO: &str = "bag-info.txt";
pub const MANIFEST_SHA256: &str = "manifest-sha256.txt";
pub const MANIFEST_SM3: &str = "manifest-sm3.txt";
pub const TAGMANIFEST_SHA256: &str = "tagmanifest-sha256.txt";
/// The `archive.assembled` entry with its inclusion proof (tag file).
pub const ARCHIVE_ENTRY: &str = "liuhen/archive-entry.tlog-proof";
/// Consistency of the payload checkpoint with the archive entry's (tag file).
pub const CONSISTENCY: &str = "liuhen/consistency.txt";

pub const PAYLOAD: &str = "data/";
pub const CASE: &str = "data/case.json";
pub const CATALOGUE: &str = "data/catalogue.json";
pub const DOCUMENTS: &str = "data/documents/";
pub const EVIDENCE: &str = "data/evidence/";
pub const CHECKPOINT: &str = "data/ledger/checkpoint.txt";
pub const KEYS: &str = "data/ledger/keys.txt";
pub const INDEX: &str = "data/ledger/index.json";
pub const ENTRIES: &str = "data/ledger/entries/";
pub const CHECKS: &str = "data/checks/four-properties.json";
/// The same report as a PDF page.
pub const CHECKS_PDF: &str = "data/checks/four-properties.pdf";

/// The ledger entry kind that fixes a package.
pub const ASSEMBLED_KIND: &str = "archive.assembled";

/// Subject prefixes: a document PDF's digests (on `document.issued` and
/// `document.registered`), an evidence original's (on `evidence.ingested`),
/// the payload manifests' and the 档号 (on `archive.assembled`).
pub const PDF_SHA256: &str = "pdf:sha256:";
pub const PDF_SM3: &str = "pdf:sm3:";
pub const FILE_SHA256: &str = "file:sha256:";
pub const FILE_SM3: &str = "file:sm3:";
pub const MANIFEST_SHA256_SUBJECT: &str = "manifest:sha256:";
pub const MANIFEST_SM3_SUBJECT: &str = "manifest:sm3:";
pub const FILE_NO_SUBJECT: &str = "file-no:";

/// The path of entry `index`'s proof.
pub fn entry_path(index: u64) -> String {
    format!("{ENTRIES}{index}.tlog-proof")
}

/// `data/ledger/index.json`: the case, the records filed with it, and the
/// entries about them in the payload checkpoint's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerIndex {
    /// The case's subject, `case:ID`.
    pub case: String,
    /// The subjects of the records filed with it (`document:ID`, `evidence:ID`): entries about
    /// them (an evidence file ingested before it was linked to the case, its viewings) are the
    /// case's too.
    #[serde(default)]
    pub records: Vec<String>,
    /// The size of the payload checkpoint's tree.
    pub size: u64,
    /// Indexes of the entries about the case, ascending.
    pub entries: Vec<u64>,
}

/// The fingerprint of a verifier key line: lowercase hex SHA-256 of the line.
pub fn key_fingerprint(key_line: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(key_line.trim().as_bytes()))
}
