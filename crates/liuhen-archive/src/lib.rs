//! Case-file packages (电子案卷归档包): BagIt 1.0 bags (RFC 8493) whose
//! payload carries a case's documents, evidence originals and ledger entries
//! with their proofs, and whose tag files carry the ledger entry that fixes
//! the payload. The layout and what makes it trustworthy are in the
//! repository's `docs/archive-package.md`.
//!
//! - [`bag`]: the BagIt text files (bagit.txt, bag-info.txt, manifests) and
//!   [`bag::Bag`], which collects payload digests and writes the tag files.
//! - [`digest`]: SHA-256 and SM3 of a stream, the two on two threads for large files.
//! - [`verify`]: [`verify::verify_package`] checks a bag folder or tar file
//!   offline, with no server and no database, and names every failing item.
//!
//! This crate reads files given to it and nothing else: no clock, no
//! network, no database.

pub mod bag;
pub mod digest;
pub mod layout;
pub mod verify;

pub use bag::{Bag, FileDigest};
pub use digest::{Digests, digest_reader};
pub use verify::{CannotRun, Failure, KeyChoice, Report, verify_package};
