//! The crate's error type.
//!
//! [`MediaError`] is what a [`ByteSource`](crate::ByteSource) reports and what
//! the parsers use internally. [`probe`](crate::probe) never returns it: a
//! problem with the input becomes an [`Probe::Unparsed`](crate::Probe::Unparsed)
//! outcome or a warning on partial facts.

/// Why reading or parsing media bytes failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The caller's byte source failed.
    #[error("reading the media source failed: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes needed lie past the end of the source.
    #[error("unexpected end of data: wanted {wanted} bytes at offset {offset}")]
    UnexpectedEof {
        /// Where the read started.
        offset: u64,
        /// How many bytes were wanted.
        wanted: u64,
    },
    /// A single read larger than the crate's per-read cap was asked for.
    #[error("refusing to read {requested} bytes at once (cap {cap})")]
    ReadTooLarge {
        /// Bytes asked for.
        requested: u64,
        /// The cap ([`MAX_SINGLE_READ`](crate::MAX_SINGLE_READ)).
        cap: u64,
    },
    /// The per-probe read budget ran out; the file is pathological.
    #[error("read budget exhausted after {bytes} bytes in {calls} reads")]
    BudgetExhausted {
        /// Bytes read so far.
        bytes: u64,
        /// `read_at` calls made so far.
        calls: u64,
    },
    /// A byte source broke the [`ByteSource`](crate::ByteSource) contract.
    #[error("byte source returned {returned} bytes for a {requested}-byte buffer")]
    SourceContract {
        /// Bytes the source claimed to have written.
        returned: usize,
        /// Size of the buffer it was given.
        requested: usize,
    },
    /// The bytes do not follow the format.
    #[error("malformed data: {0}")]
    Malformed(String),
}
