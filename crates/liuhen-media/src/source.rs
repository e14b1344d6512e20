//! Random access to the caller's bytes, and the bounded reader built on it.

use std::io::{Read, Seek, SeekFrom};
use std::sync::{Mutex, PoisonError};

use crate::MediaError;

/// Largest single read (and so largest single buffer) the parsers ever make.
pub const MAX_SINGLE_READ: usize = 1 << 20;
/// Total bytes one [`probe`](crate::probe) call may read before giving up.
pub const READ_BUDGET_BYTES: u64 = 64 << 20;
/// Total `read_at` calls one [`probe`](crate::probe) call may make.
pub const READ_BUDGET_CALLS: u64 = 1_000_000;

/// Random access to the bytes of one media file.
///
/// Implementations must be consistent: `len` is fixed for the life of the
/// source and `read_at` fills `buf` from `offset`, returning how many bytes
/// it wrote (`0` only at or past the end). Short reads are allowed; the
/// crate retries.
pub trait ByteSource {
    /// Total length of the media in bytes.
    fn len(&self) -> u64;

    /// Whether the media is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads up to `buf.len()` bytes starting at `offset`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError>;
}

impl ByteSource for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        let Ok(start) = usize::try_from(offset) else { return Ok(0) };
        let Some(rest) = self.get(start..) else { return Ok(0) };
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        Ok(n)
    }
}

impl ByteSource for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        self.as_slice().read_at(offset, buf)
    }
}

impl<T: ByteSource + ?Sized> ByteSource for &T {
    fn len(&self) -> u64 {
        (**self).len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        (**self).read_at(offset, buf)
    }
}

/// Adapts any `Read + Seek` (an open file, a cursor) to a [`ByteSource`].
///
/// The reader is behind a mutex because `read_at` takes `&self`; the crate
/// itself never opens anything.
#[derive(Debug)]
pub struct SeekSource<R> {
    inner: Mutex<R>,
    len: u64,
}

impl<R: Read + Seek> SeekSource<R> {
    /// Wraps `inner`, measuring its length by seeking to the end.
    pub fn new(mut inner: R) -> Result<Self, MediaError> {
        let len = inner.seek(SeekFrom::End(0))?;
        Ok(Self { inner: Mutex::new(inner), len })
    }

    /// Gives the reader back.
    pub fn into_inner(self) -> R {
        self.inner.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<R: Read + Seek> ByteSource for SeekSource<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.seek(SeekFrom::Start(offset))?;
        loop {
            match inner.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A [`ByteSource`] wrapper that enforces the crate's read limits.
pub(crate) struct Reader<'a> {
    src: &'a dyn ByteSource,
    len: u64,
    bytes: u64,
    calls: u64,
    notes: Vec<String>,
}

/// Most notes kept per probe; later ones are counted, not stored.
const MAX_NOTES: usize = 32;

impl<'a> Reader<'a> {
    pub(crate) fn new(src: &'a dyn ByteSource) -> Self {
        Self { len: src.len(), src, bytes: 0, calls: 0, notes: Vec::new() }
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Records a problem noticed deep inside a parser (becomes a warning).
    pub(crate) fn note(&mut self, note: String) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note);
        } else if self.notes.len() == MAX_NOTES {
            self.notes.push("further problems not listed".to_owned());
        }
    }

    pub(crate) fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Fills `buf` from `offset` or fails; never reads past the end.
    pub(crate) fn read_exact(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), MediaError> {
        let wanted = buf.len() as u64;
        let eof = MediaError::UnexpectedEof { offset, wanted };
        match offset.checked_add(wanted) {
            Some(end) if end <= self.len => {}
            _ => return Err(eof),
        }
        if self.bytes.saturating_add(wanted) > READ_BUDGET_BYTES {
            return Err(MediaError::BudgetExhausted { bytes: self.bytes, calls: self.calls });
        }
        let mut filled = 0usize;
        while filled < buf.len() {
            if self.calls >= READ_BUDGET_CALLS {
                return Err(MediaError::BudgetExhausted { bytes: self.bytes, calls: self.calls });
            }
            self.calls += 1;
            let Some(chunk) = buf.get_mut(filled..) else { break };
            let requested = chunk.len();
            let n = self.src.read_at(offset + filled as u64, chunk)?;
            if n > requested {
                return Err(MediaError::SourceContract { returned: n, requested });
            }
            if n == 0 {
                return Err(MediaError::UnexpectedEof { offset, wanted });
            }
            filled += n;
            self.bytes += n as u64;
        }
        Ok(())
    }

    /// Reads exactly `len` bytes into a new buffer; `len` must respect [`MAX_SINGLE_READ`].
    pub(crate) fn read_vec(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, MediaError> {
        if len > MAX_SINGLE_READ as u64 {
            return Err(MediaError::ReadTooLarge { requested: len, cap: MAX_SINGLE_READ as u64 });
        }
        if offset.checked_add(len).is_none_or(|end| end > self.len) {
            return Err(MediaError::UnexpectedEof { offset, wanted: len });
        }
        let mut buf = vec![0u8; len as usize];
        self.read_exact(offset, &mut buf)?;
        Ok(buf)
    }

    /// Reads up to `max` bytes (fewer near the end of the source).
    pub(crate) fn read_up_to(&mut self, offset: u64, max: u64) -> Result<Vec<u8>, MediaError> {
        let n = self.len.saturating_sub(offset).min(max).min(MAX_SINGLE_READ as u64);
        self.read_vec(offset, n)
    }

    pub(crate) fn array<const N: usize>(&mut self, offset: u64) -> Result<[u8; N], MediaError> {
        let mut a = [0u8; N];
        self.read_exact(offset, &mut a)?;
        Ok(a)
    }
}
