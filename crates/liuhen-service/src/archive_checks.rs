//! The 四性检测 checks of a case-file package (see [`crate::archive`]) that
//! read a file again rather than its digests:
//!
//! - 可用性, audio and video: each original's container is parsed anew with
//!   the parser that read it at ingest (`liuhen-media`: headers, `moov` or
//!   each `moof`, chunk headers — bounded reads through byte ranges of the
//!   store, so a file of several GiB costs kilobytes and flat memory), and
//!   its duration is compared with the one recorded. They agree when they
//!   are at most [`DURATION_TOLERANCE_MS`] apart, or one frame of the
//!   video's nominal frame rate when that is longer (capped at a second):
//!   the same parser on the same bytes gives the same number, so the margin
//!   only absorbs a rounding change of a newer parser, never a cut.
//! - 可用性, PDF: the header, the `startxref` offset, and every
//!   cross-reference section it leads to (each in-use entry of a table
//!   names the object that starts at its offset; a cross-reference stream
//!   is an object of `/Type /XRef`) back through `/Prev`, the newest
//!   trailer naming `/Root`.
//! - 安全性: the payload scanned by ClamAV's `clamscan`, when it is
//!   installed (see [`Antivirus`]).

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use liuhen_media::{ByteSource, MediaError, Probe};
use liuhen_store::ArchiveFile;
use liuhen_store::originals::Originals;
use tokio::io::AsyncWriteExt as _;
use tokio::time::Instant;

use crate::archive::PropertyCheck;

/// Durations agree within this many milliseconds (or one frame, see the module docs).
pub const DURATION_TOLERANCE_MS: u64 = 5;

/// The virus scan of the 安全性 check: ClamAV's command-line scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Antivirus {
    /// The `clamscan` program. A bare name is looked up on `PATH` and may be
    /// missing: the report then says "clamscan not installed" and the item
    /// passes, unscanned. A path (with a `/`) must be there, or the scan
    /// fails as one that could not run. `None`: no scan, and the report says so.
    pub clamscan: Option<PathBuf>,
    /// Signature database (`clamscan --database`): a folder or one file;
    /// `None` for ClamAV's own (`/var/lib/clamav`, kept by `freshclam`).
    pub database: Option<PathBuf>,
    /// Longest one package's scan may take; then it is stopped and fails.
    pub timeout: Duration,
}

impl Default for Antivirus {
    /// No scan: the library's default. The server looks for `clamscan` on `PATH`.
    fn default() -> Self {
        Antivirus { clamscan: None, database: None, timeout: Duration::from_secs(3600) }
    }
}

/// Largest file ClamAV scans: from 2 GiB on, `clamscan` skips a file and
/// calls it clean (ClamAV 1.4), so a larger file is not given to it and its
/// item says it was not scanned. Also its `--max-filesize` and `--max-scansize`.
const CLAMAV_MAX_BYTES: u64 = 2047 << 20;

fn item(property: &str, item: &str, check: &str, passed: bool, detail: impl Into<String>) -> PropertyCheck {
    PropertyCheck {
        property: property.into(),
        item: item.into(),
        check: check.into(),
        passed,
        detail: detail.into(),
    }
}

// ---------------------------------------------------------------------------
// Random access to an original, for the parsers.
// ---------------------------------------------------------------------------

/// Bytes of an original read in blocks of this size (one range request each).
const BLOCK: u64 = 64 * 1024;

/// An original as a [`ByteSource`]: byte ranges of the store (a file, or
/// ranged GETs on S3), the last block kept. Used on a blocking thread only.
struct OriginalSource {
    originals: Originals,
    sha256: String,
    len: u64,
    handle: tokio::runtime::Handle,
    block: Mutex<(u64, Vec<u8>)>,
}

impl OriginalSource {
    fn fetch(&self, start: u64, len: u64) -> io::Result<Vec<u8>> {
        use futures_util::StreamExt as _;
        self.handle.block_on(async {
            let mut stream = self.originals.read(&self.sha256, start, len).await.map_err(io::Error::other)?;
            let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            while let Some(chunk) = stream.next().await {
                out.extend_from_slice(&chunk?);
            }
            Ok(out)
        })
    }
}

impl ByteSource for OriginalSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        if offset >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let mut block = self.block.lock().unwrap_or_else(PoisonError::into_inner);
        let (start, bytes) = &*block;
        let held = offset >= *start && offset < start + bytes.len() as u64;
        if !held {
            let start = offset - offset % BLOCK;
            let want = (offset - start + buf.len() as u64).max(BLOCK).min(self.len - start);
            *block = (start, self.fetch(start, want)?);
        }
        let (start, bytes) = &*block;
        let from = usize::try_from(offset - start).unwrap_or(usize::MAX);
        let Some(have) = bytes.get(from..) else { return Ok(0) };
        let n = have.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), have.get(..n)) {
            dst.copy_from_slice(src);
        }
        Ok(n)
    }
}

/// Runs `f` over the original on a blocking thread.
async fn with_original<T: Send + 'static>(
    originals: &Originals,
    sha256: &str,
    size: u64,
    f: impl FnOnce(&OriginalSource) -> T + Send + 'static,
) -> Result<T, String> {
    let src = OriginalSource {
        originals: originals.clone(),
        sha256: sha256.to_owned(),
        len: size,
        handle: tokio::runtime::Handle::current(),
        block: Mutex::new((0, Vec::new())),
    };
    tokio::task::spawn_blocking(move || f(&src)).await.map_err(|e| format!("the check stopped: {e}"))
}

// ---------------------------------------------------------------------------
// 可用性: audio and video.
// ---------------------------------------------------------------------------

/// What was recorded about an audio or video original: at ingest (the
/// evidence record) or in the package's 卷内目录.
pub(crate) struct Recorded<'a> {
    pub media_type: &'a str,
    pub duration_ms: Option<u64>,
    /// The container ingest found (`mp4`, `wav`, …), when known.
    pub container: Option<&'a str>,
}

/// Whether an audio or video file is played by media headers this program reads.
pub(crate) fn is_av(media_type: &str) -> bool {
    media_type.starts_with("video/") || media_type.starts_with("audio/")
}

/// The usability item of one audio or video original: its container parses
/// again and states the duration recorded.
pub(crate) async fn media(
    originals: &Originals,
    path: &str,
    sha256: &str,
    size: u64,
    recorded: Recorded<'_>,
) -> PropertyCheck {
    let declared = recorded.media_type.to_owned();
    let probed =
        with_original(originals, sha256, size, move |src| liuhen_media::probe(src, Some(&declared))).await;
    let (passed, detail) = match probed {
        Err(e) => (false, e),
        Ok(Probe::Unparsed { reason, .. }) => (false, format!("the container does not parse: {reason}")),
        Ok(Probe::Recognised(facts)) => {
            let container = serde_json::to_value(facts.container)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            // One frame of the nominal rate, at most a second.
            let frame =
                facts.video.as_ref().and_then(|v| v.frame_rate).map_or(0, |r| {
                    (r.denominator.saturating_mul(1000)).div_ceil(r.numerator.max(1)).min(1000)
                });
            let tolerance = DURATION_TOLERANCE_MS.max(frame);
            match (facts.duration, recorded.duration_ms) {
                _ if recorded.container.is_some_and(|c| c != container) => (
                    false,
                    format!(
                        "the container is now {container}, {} when ingested",
                        recorded.container.unwrap_or_default()
                    ),
                ),
                (None, _) => (false, format!("the {container} container parses but states no duration")),
                (Some(_), None) => (false, "no duration was recorded for it".to_owned()),
                (Some(d), Some(r)) if d.milliseconds.abs_diff(r) > tolerance => (
                    false,
                    format!(
                        "the {container} container says {} ms, the record {r} ms: more than {tolerance} ms apart",
                        d.milliseconds
                    ),
                ),
                (Some(d), Some(r)) => (
                    true,
                    format!(
                        "the {container} container parsed again: {} ms, as recorded ({r} ms, within {tolerance} ms)",
                        d.milliseconds
                    ),
                ),
            }
        }
    };
    item("usability", path, "container", passed, detail)
}

// ---------------------------------------------------------------------------
// 可用性: PDF.
// ---------------------------------------------------------------------------

/// Whether a file is a PDF by its name or media type.
pub(crate) fn is_pdf(path: &str, media_type: Option<&str>) -> bool {
    path.to_ascii_lowercase().ends_with(".pdf")
        || media_type.is_some_and(|m| m.eq_ignore_ascii_case("application/pdf"))
}

/// The usability item of one PDF: its cross-reference structure holds.
pub(crate) async fn pdf(originals: &Originals, path: &str, sha256: &str, size: u64) -> PropertyCheck {
    let parsed = with_original(originals, sha256, size, |src| pdf_structure(src)).await;
    let (passed, detail) = match parsed {
        Ok(Ok(d)) => (true, d),
        Ok(Err(e)) => (false, format!("not a sound PDF: {e}")),
        Err(e) => (false, e),
    };
    item("usability", path, "pdf", passed, detail)
}

/// Most cross-reference sections followed through `/Prev`.
const MAX_SECTIONS: usize = 256;
/// Most object entries checked in one PDF.
const MAX_OBJECTS: u64 = 1_000_000;

/// Reads a PDF's bytes around positions through a small window.
struct Window<'a> {
    src: &'a dyn ByteSource,
    start: u64,
    bytes: Vec<u8>,
}

impl Window<'_> {
    const SIZE: u64 = 8 * 1024;

    fn at(&mut self, pos: u64) -> Result<Option<u8>, String> {
        if pos >= self.src.len() {
            return Ok(None);
        }
        if pos < self.start || pos >= self.start + self.bytes.len() as u64 {
            let n = Self::SIZE.min(self.src.len() - pos);
            let mut buf = vec![0u8; usize::try_from(n).unwrap_or(0)];
            let mut filled = 0;
            while filled < buf.len() {
                let Some(rest) = buf.get_mut(filled..) else { break };
                let got = self.src.read_at(pos + filled as u64, rest).map_err(|e| e.to_string())?;
                if got == 0 {
                    break;
                }
                filled += got;
            }
            buf.truncate(filled);
            if buf.is_empty() {
                return Ok(None);
            }
            (self.start, self.bytes) = (pos, buf);
        }
        Ok(self.bytes.get(usize::try_from(pos - self.start).unwrap_or(usize::MAX)).copied())
    }

    fn read(&mut self, pos: u64, len: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        for p in pos..pos.saturating_add(len) {
            match self.at(p)? {
                Some(b) => out.push(b),
                None => break,
            }
        }
        Ok(out)
    }

    fn skip_space(&mut self, mut pos: u64) -> Result<u64, String> {
        loop {
            match self.at(pos)? {
                Some(b) if is_space(b) => pos += 1,
                Some(b'%') => {
                    // A comment runs to the end of its line.
                    while let Some(b) = self.at(pos)? {
                        if b == b'\n' || b == b'\r' {
                            break;
                        }
                        pos += 1;
                    }
                }
                _ => return Ok(pos),
            }
        }
    }

    /// An unsigned integer at `pos` (after white space): its value and the position after it.
    fn integer(&mut self, pos: u64) -> Result<Option<(u64, u64)>, String> {
        let mut pos = self.skip_space(pos)?;
        let mut value: Option<u64> = None;
        while let Some(b @ b'0'..=b'9') = self.at(pos)? {
            value = Some(
                value
                    .unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(b - b'0')))
                    .ok_or("a number too large")?,
            );
            pos += 1;
        }
        Ok(value.map(|v| (v, pos)))
    }

    /// Whether `word` is at `pos` (after white space); the position after it.
    fn keyword(&mut self, pos: u64, word: &[u8]) -> Result<Option<u64>, String> {
        let pos = self.skip_space(pos)?;
        Ok((self.read(pos, word.len() as u64)? == word).then_some(pos + word.len() as u64))
    }

    /// `N G obj` at `pos` (after white space): the object number and generation, and where its body starts.
    fn object_header(&mut self, pos: u64) -> Result<Option<(u64, u64, u64)>, String> {
        let Some((n, p)) = self.integer(pos)? else { return Ok(None) };
        let Some((g, p)) = self.integer(p)? else { return Ok(None) };
        Ok(self.keyword(p, b"obj")?.map(|body| (n, g, body)))
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The integer after `/Key` in a dictionary's text.
fn dict_integer(dict: &[u8], key: &[u8]) -> Option<u64> {
    let mut from = 0;
    while let Some(at) = dict.get(from..).and_then(|d| find(d, key)) {
        let after = from + at + key.len();
        // `/Prev` is not `/PrevHash`: the key must end there.
        let rest = dict.get(after..)?;
        if rest.first().is_some_and(|b| is_space(*b)) {
            let digits: String = rest
                .iter()
                .skip_while(|b| is_space(**b))
                .take_while(|b| b.is_ascii_digit())
                .map(|b| char::from(*b))
                .collect();
            return digits.parse().ok();
        }
        from = after;
    }
    None
}

/// Walks a PDF's structure; says what it found, or what is wrong.
fn pdf_structure(src: &dyn ByteSource) -> Result<String, String> {
    let len = src.len();
    let mut w = Window { src, start: 0, bytes: Vec::new() };
    let head = w.read(0, 1024)?;
    let Some(header) = find(&head, b"%PDF-") else {
        return Err("no %PDF- header in its first kilobyte".into());
    };
    let version: String = head
        .iter()
        .skip(header + 5)
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .map(|b| char::from(*b))
        .collect();
    let tail_at = len.saturating_sub(1024);
    let tail = w.read(tail_at, 1024)?;
    let Some(eof) = tail.windows(5).rposition(|x| x == b"%%EOF") else {
        return Err("no %%EOF marker in its last kilobyte".into());
    };
    let Some(sx) = tail.get(..eof).and_then(|t| t.windows(9).rposition(|x| x == b"startxref")) else {
        return Err("no startxref before its end marker".into());
    };
    let Some((mut at, _)) = w.integer(tail_at + sx as u64 + 9)? else {
        return Err("startxref gives no offset".into());
    };
    let (mut sections, mut streams) = (0usize, 0usize);
    // In-use entries of the tables: (offset, object number, generation).
    let mut entries: Vec<(u64, u64, u64)> = Vec::new();
    let mut seen = HashSet::new();
    loop {
        if !seen.insert(at) || sections >= MAX_SECTIONS {
            return Err(format!("the cross-reference sections loop back or go on past {MAX_SECTIONS}"));
        }
        sections += 1;
        let dict: Vec<u8>;
        if let Some(mut p) = w.keyword(at, b"xref")? {
            // A table: subsections of 20-byte entries, then the trailer.
            loop {
                if let Some(t) = w.keyword(p, b"trailer")? {
                    let text = w.read(t, 4096)?;
                    let end = find(&text, b"startxref").unwrap_or(text.len());
                    dict = text.get(..end).unwrap_or_default().to_vec();
                    break;
                }
                let Some((first, q)) = w.integer(p)? else {
                    return Err(format!(
                        "the cross-reference table at {at} has no subsection header or trailer"
                    ));
                };
                let Some((count, q)) = w.integer(q)? else {
                    return Err(format!("the cross-reference table at {at}: a subsection without a count"));
                };
                p = q;
                for i in 0..count {
                    let Some((offset, q)) = w.integer(p)? else {
                        return Err(format!(
                            "the cross-reference table at {at}: entry {} is not an offset",
                            first + i
                        ));
                    };
                    let Some((generation, q)) = w.integer(q)? else {
                        return Err(format!(
                            "the cross-reference table at {at}: entry {} has no generation",
                            first + i
                        ));
                    };
                    let q = w.skip_space(q)?;
                    let kind = w.at(q)?;
                    p = q + 1;
                    match kind {
                        Some(b'f') => {}
                        Some(b'n') => {
                            if entries.len() as u64 >= MAX_OBJECTS {
                                return Err(format!("more than {MAX_OBJECTS} objects"));
                            }
                            entries.push((offset, first + i, generation));
                        }
                        _ => {
                            return Err(format!(
                                "the cross-reference table at {at}: entry {} is neither n nor f",
                                first + i
                            ));
                        }
                    }
                }
            }
        } else if let Some((_, _, body)) = w.object_header(at)? {
            // A cross-reference stream: its dictionary, up to `stream`.
            let text = w.read(body, 4096)?;
            let end = find(&text, b"stream").unwrap_or(text.len());
            let d = text.get(..end).unwrap_or_default();
            let compact: Vec<u8> = d.iter().copied().filter(|b| !is_space(*b)).collect();
            if find(&compact, b"/Type/XRef").is_none() {
                return Err(format!(
                    "startxref {at} leads to an object that is not a cross-reference stream"
                ));
            }
            streams += 1;
            dict = d.to_vec();
        } else {
            return Err(format!("offset {at} holds neither a cross-reference table nor a stream"));
        }
        if sections == 1 && find(&dict, b"/Root").is_none() {
            return Err("the newest trailer names no /Root".into());
        }
        match dict_integer(&dict, b"/Prev") {
            Some(prev) if prev < len => at = prev,
            Some(prev) => return Err(format!("/Prev {prev} is past the end of the file")),
            None => break,
        }
    }
    // Each object where its table says, visited in file order.
    entries.sort_unstable();
    for (offset, number, generation) in &entries {
        match w.object_header(*offset)? {
            Some((n, g, _)) if n == *number && g == *generation => {}
            _ => {
                return Err(format!(
                    "object {number} {generation} is not at offset {offset}, where the cross-reference table puts it"
                ));
            }
        }
    }
    let objects = entries.len();
    let streams = if streams > 0 {
        format!(", {streams} cross-reference stream(s) (entries not decoded)")
    } else {
        String::new()
    };
    Ok(format!(
        "PDF {version}: {sections} cross-reference section(s), {objects} object(s) each at the offset listed{streams}, a trailer with /Root"
    ))
}

// ---------------------------------------------------------------------------
// 可用性 again, on a package made: what its 卷内目录 says of each file.
// ---------------------------------------------------------------------------

/// The usability items of a package's originals, against its 卷内目录
/// (`data/catalogue.json`): each PDF parses, each audio or video file's
/// container parses and states the duration the catalogue lists.
pub(crate) async fn recheck_usability(originals: &Originals, files: &[ArchiveFile]) -> Vec<PropertyCheck> {
    let catalogue: BTreeMap<String, serde_json::Value> = files
        .iter()
        .find(|f| f.path == liuhen_archive::layout::CATALOGUE)
        .and_then(|f| f.content.as_deref())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| v.get("items").and_then(|i| i.as_array()).cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| Some((i.get("file")?.as_str()?.to_owned(), i)))
        .collect();
    let mut out = Vec::new();
    for f in files {
        let Some(sha) = &f.original else { continue };
        let listed = catalogue.get(&f.path);
        let media_type = listed.and_then(|i| i.get("media_type")).and_then(|m| m.as_str());
        if let Some(mt) = media_type.filter(|m| is_av(m)) {
            let duration_ms = listed.and_then(|i| i.get("duration_ms")).and_then(|d| d.as_u64());
            let recorded = Recorded { media_type: mt, duration_ms, container: None };
            out.push(media(originals, &f.path, sha, f.size, recorded).await);
        } else if is_pdf(&f.path, media_type) {
            out.push(pdf(originals, &f.path, sha, f.size).await);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// 安全性: ClamAV.
// ---------------------------------------------------------------------------

/// Where `program` is: itself when it names a path, else the first match on `PATH`.
fn locate(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_owned());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| {
        use std::os::unix::fs::PermissionsExt as _;
        p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// What `clamscan` said of one run.
struct Run {
    /// `0` clean, `1` something found, `2` an error; `None`: killed at the deadline.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn run_clamscan(
    program: &Path,
    args: &[std::ffi::OsString],
    stdin: Option<(&Originals, &str, u64)>,
    deadline: Instant,
) -> io::Result<Run> {
    use std::process::Stdio;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let feed = child.stdin.take();
    let work = async move {
        let feeding = async {
            let (Some(mut pipe), Some((originals, sha, size))) = (feed, stdin) else { return };
            use futures_util::StreamExt as _;
            let Ok(mut stream) = originals.read(sha, 0, size).await else { return };
            while let Some(Ok(chunk)) = stream.next().await {
                // clamscan stopping early (an error) closes the pipe: what it said is its answer.
                if pipe.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            let _ = pipe.shutdown().await;
        };
        let (_, out) = tokio::join!(feeding, child.wait_with_output());
        out
    };
    match tokio::time::timeout_at(deadline, work).await {
        Ok(out) => {
            let out = out?;
            Ok(Run {
                code: out.status.code(),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            })
        }
        // Dropping the child kills it.
        Err(_) => Ok(Run { code: None, stdout: String::new(), stderr: String::new() }),
    }
}

/// The `FOUND` lines of a run: the name clamscan gave and the signature.
fn found(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| l.strip_suffix(" FOUND"))
        .filter_map(|l| l.rsplit_once(": "))
        .map(|(name, sig)| (name.to_owned(), sig.to_owned()))
        .collect()
}

/// The first lines of an error output, for the report.
fn said(run: &Run) -> String {
    let text = if run.stderr.trim().is_empty() { &run.stdout } else { &run.stderr };
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).take(3).collect();
    if lines.is_empty() { format!("exit status {:?}", run.code) } else { lines.join("; ") }
}

/// Where Debian's ClamAV keeps the signatures `freshclam` downloads.
const CLAMAV_DEFAULT_DATABASE: &str = "/var/lib/clamav";

/// Whether a folder holds a ClamAV signature file (`.cvd`, `.cld`, `.cud` from freshclam, or one of
/// the text formats a local database may use).
fn has_signatures(dir: &Path) -> bool {
    const KINDS: &[&str] =
        &["cvd", "cld", "cud", "hdb", "hsb", "ndb", "ldb", "mdb", "msb", "cdb", "ign2", "fp", "sfp"];
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().and_then(|x| x.to_str()).is_some_and(|x| KINDS.contains(&x)))
    })
}

/// The security items of a ClamAV scan of the payload `files`: one per file
/// something was found in (failed, with the signature), one per file too
/// large to scan (passed, saying so), and one for the package — passed when
/// the scan ran to its end, failed ("scan could not run") when `clamscan`
/// reported an error (exit status 2) or ran past [`Antivirus::timeout`], as
/// then the report cannot say the files are clean. Originals in the local
/// folder are scanned where they are, in one run with the text files
/// (written to a private temporary folder); others stream through
/// `clamscan -`, one run each (which keeps its own temporary copy while it
/// scans: one original at a time, never the package).
pub(crate) async fn scan(av: &Antivirus, originals: &Originals, files: &[ArchiveFile]) -> Vec<PropertyCheck> {
    let mut out = Vec::new();
    let Some(configured) = &av.clamscan else {
        out.push(item("security", "package", "antivirus", true, "no virus scanner configured: not scanned"));
        return out;
    };
    let Some(program) = locate(configured) else {
        let named = configured.components().count() > 1;
        out.push(if named {
            item(
                "security",
                "package",
                "antivirus",
                false,
                format!("scan could not run: {} is not there", configured.display()),
            )
        } else {
            item("security", "package", "antivirus", true, "clamscan not installed: not scanned")
        });
        return out;
    };
    if av.database.is_none() && !has_signatures(Path::new(CLAMAV_DEFAULT_DATABASE)) {
        // Installed but never given signatures (freshclam not run): like a scanner not there.
        out.push(item(
            "security",
            "package",
            "antivirus",
            true,
            format!(
                "clamscan has no signature database in {CLAMAV_DEFAULT_DATABASE} (run freshclam): not scanned"
            ),
        ));
        return out;
    }
    let deadline = Instant::now() + av.timeout;
    let fail = |detail: String| {
        item("security", "package", "antivirus", false, format!("scan could not run: {detail}"))
    };
    let version =
        match run_clamscan(&program, &["--version".into()], None, Instant::now() + Duration::from_secs(30))
            .await
        {
            Ok(r) => r
                .stdout
                .lines()
                .next()
                .and_then(|l| l.split('/').next())
                .unwrap_or("ClamAV")
                .trim()
                .to_owned(),
            Err(e) => {
                out.push(fail(format!("{}: {e}", program.display())));
                return out;
            }
        };
    let mut args: Vec<std::ffi::OsString> = vec![
        "--no-summary".into(),
        format!("--max-filesize={}M", CLAMAV_MAX_BYTES >> 20).into(),
        format!("--max-scansize={}M", CLAMAV_MAX_BYTES >> 20).into(),
    ];
    if let Some(db) = &av.database {
        let mut a = std::ffi::OsString::from("--database=");
        a.push(db);
        args.push(a);
    }
    let staging = match tempfile::Builder::new().prefix("liuhen-scan-").tempdir() {
        Ok(d) => d,
        Err(e) => {
            out.push(fail(format!("no temporary folder: {e}")));
            return out;
        }
    };
    // Files scanned by path (text files written out, local originals where they are) and streamed ones.
    let mut by_path: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut streamed: Vec<(&str, &str, u64)> = Vec::new();
    let mut unscanned = 0usize;
    for (n, f) in files.iter().enumerate() {
        if f.size > CLAMAV_MAX_BYTES {
            unscanned += 1;
            out.push(item(
                "security",
                &f.path,
                "antivirus",
                true,
                format!("not scanned: larger than ClamAV scans ({} MiB)", CLAMAV_MAX_BYTES >> 20),
            ));
            continue;
        }
        match (&f.content, &f.original) {
            (Some(text), _) => {
                let p = staging.path().join(format!("{n:06}"));
                if let Err(e) = tokio::fs::write(&p, text.as_bytes()).await {
                    out.push(fail(format!("writing a file to scan: {e}")));
                    return out;
                }
                by_path.entry(p.to_string_lossy().into_owned()).or_default().push(&f.path);
            }
            (None, Some(sha)) => match originals.local_path(sha).await {
                Ok(Some(p)) => by_path.entry(p.to_string_lossy().into_owned()).or_default().push(&f.path),
                Ok(None) => streamed.push((&f.path, sha, f.size)),
                Err(e) => {
                    out.push(fail(format!("{}: {e}", f.path)));
                    return out;
                }
            },
            (None, None) => {}
        }
    }
    let mut errors: Vec<String> = Vec::new();
    let mut infected = 0usize;
    let mut scanned = 0usize;
    if !by_path.is_empty() {
        let list = staging.path().join("files.txt");
        let names: String = by_path.keys().map(|k| format!("{k}\n")).collect();
        if let Err(e) = tokio::fs::write(&list, names).await {
            out.push(fail(format!("writing the list of files: {e}")));
            return out;
        }
        let mut a = args.clone();
        let mut list_arg = std::ffi::OsString::from("--file-list=");
        list_arg.push(&list);
        a.push(list_arg);
        match run_clamscan(&program, &a, None, deadline).await {
            Err(e) => errors.push(format!("{}: {e}", program.display())),
            Ok(run) => {
                for (name, sig) in found(&run.stdout) {
                    for path in by_path.get(&name).into_iter().flatten() {
                        infected += 1;
                        out.push(item("security", path, "antivirus", false, format!("ClamAV found {sig}")));
                    }
                }
                match run.code {
                    Some(0 | 1) => scanned += by_path.values().map(Vec::len).sum::<usize>(),
                    None => errors.push(format!("not finished within {} s", av.timeout.as_secs())),
                    Some(_) => errors.push(said(&run)),
                }
            }
        }
    }
    for (path, sha, size) in streamed {
        if !errors.is_empty() {
            break;
        }
        let mut a = args.clone();
        a.push("-".into());
        match run_clamscan(&program, &a, Some((originals, sha, size)), deadline).await {
            Err(e) => errors.push(format!("{}: {e}", program.display())),
            Ok(run) => {
                for (_, sig) in found(&run.stdout) {
                    infected += 1;
                    out.push(item("security", path, "antivirus", false, format!("ClamAV found {sig}")));
                }
                match run.code {
                    Some(0 | 1) => scanned += 1,
                    None => errors.push(format!("not finished within {} s", av.timeout.as_secs())),
                    Some(_) => errors.push(format!("{path}: {}", said(&run))),
                }
            }
        }
    }
    let beyond = if unscanned > 0 { format!("; {unscanned} too large to scan") } else { String::new() };
    out.push(if errors.is_empty() {
        item(
            "security",
            "package",
            "antivirus",
            true,
            format!("{version} (clamscan) scanned {scanned} file(s): {infected} infected{beyond}"),
        )
    } else {
        fail(format!("{version}: {}", errors.join("; ")))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PDF with a correct cross-reference table (offsets computed).
    fn tiny_pdf() -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for body in ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"] {
            offsets.push(pdf.len());
            pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", offsets.len()).as_bytes());
        }
        let xref = pdf.len();
        pdf.extend_from_slice(b"xref\n0 3\n0000000000 65535 f \n");
        for o in offsets {
            pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        pdf.extend_from_slice(
            format!("trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        pdf
    }

    #[test]
    fn a_sound_pdf_parses_and_a_shifted_or_cut_one_does_not() {
        let pdf = tiny_pdf();
        let said = pdf_structure(&pdf).unwrap();
        assert!(said.contains("2 object(s)"), "{said}");
        // Two bytes inserted before the objects (the table found again): every object is off.
        let text = String::from_utf8(pdf.clone()).unwrap();
        let xref = text.find("xref\n").unwrap();
        let shifted = format!("{}% {}", &text[..9], &text[9..])
            .replace(&format!("startxref\n{xref}\n"), &format!("startxref\n{}\n", xref + 2));
        let err = pdf_structure(&shifted.into_bytes()).unwrap_err();
        assert!(err.contains("not at offset"), "{err}");
        // Cut short: no end marker.
        let err = pdf_structure(&pdf[..pdf.len() - 8].to_vec()).unwrap_err();
        assert!(err.contains("%%EOF"), "{err}");
        let err = pdf_structure(&b"GIF89a".to_vec()).unwrap_err();
        assert!(err.contains("%PDF-"), "{err}");
        // A trailer without /Root.
        let text = text.replace("/Root 1 0 R", "/Info 1 0 R");
        assert!(pdf_structure(&text.into_bytes()).unwrap_err().contains("/Root"));
    }

    #[test]
    fn prev_is_read_only_as_its_own_key() {
        assert_eq!(dict_integer(b"<< /Size 3 /PrevHash 9 /Prev 120 >>", b"/Prev"), Some(120));
        assert_eq!(dict_integer(b"<< /Size 3 >>", b"/Prev"), None);
    }

    #[test]
    fn found_lines_name_the_file_and_signature() {
        let out = "/a/b c.txt: Liuhen.Test.UNOFFICIAL FOUND\n/a/d: OK\nstdin: X.Y FOUND\n";
        assert_eq!(
            found(out),
            [
                ("/a/b c.txt".to_owned(), "Liuhen.Test.UNOFFICIAL".to_owned()),
                ("stdin".to_owned(), "X.Y".to_owned())
            ]
        );
    }
}
