//! `liuhen ledger verify --server URL`: the whole log replayed from a
//! server's C2SP tiles, trusting nothing the server says but what the given
//! verifier keys sign. Every entry bundle is fetched and hashed, every hash
//! tile is compared with the hashes recomputed from the entries, and the
//! root of the tree is compared with the signed checkpoint.
//!
//! Plain HTTP (a court's copy, a loopback or a TLS-terminating proxy in
//! front); the entry bundles need a supervisor's, administrator's or
//! archivist's token.

use anyhow::{Context, Result, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use liuhen_domain::LedgerEntry;
use liuhen_service::verify::{Divergence, LedgerReport};
use liuhen_tlog::{Checkpoint, EntryBundle, Hash, Sha256Hasher, VerifierKey};

/// Longest wait for one request (an 8 MiB chunk on a slow station link fits).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// A plain-HTTP client of one liuhen server.
pub struct Remote {
    authority: String,
    prefix: String,
    token: Option<String>,
}

/// A response: status, headers (lower-case names), body.
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Remote {
    /// Sends one request on a fresh connection; a server that does not
    /// answer within [`REQUEST_TIMEOUT`] is an error, not a hang.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<Reply> {
        match tokio::time::timeout(REQUEST_TIMEOUT, self.send_once(method, path, headers, body)).await {
            Ok(r) => r,
            Err(_) => bail!(
                "{method} {path}: no answer from {} within {} s",
                self.authority,
                REQUEST_TIMEOUT.as_secs()
            ),
        }
    }

    async fn send_once(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<Reply> {
        let resp = self.request(method, path, headers, body).await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok(Reply { status, headers, body })
    }

    /// One request on a fresh connection; the response with its body unread.
    async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<hyper::Response<hyper::body::Incoming>> {
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .with_context(|| format!("connecting to {}", self.authority))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let path = if path.starts_with('/') { format!("{}{path}", self.prefix) } else { path.to_owned() };
        let mut req = hyper::Request::builder().method(method).uri(path).header("host", &self.authority);
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        Ok(sender.send_request(req.body(Full::new(body))?).await?)
    }

    pub fn new(url: &str, token: Option<String>) -> Result<Remote> {
        let rest = url.strip_prefix("http://").context("--server takes an http:// URL")?;
        let (authority, prefix) = match rest.split_once('/') {
            Some((a, p)) => (a.to_owned(), format!("/{}", p.trim_end_matches('/'))),
            None => (rest.to_owned(), String::new()),
        };
        let prefix = if prefix == "/" { String::new() } else { prefix };
        Ok(Remote { authority, prefix, token })
    }

    /// GETs `path` into `file` as it arrives (written to `file.part`, synced,
    /// then renamed), so a large download never sits in memory; the number
    /// of bytes written.
    pub async fn download(&self, path: &str, file: &std::path::Path) -> Result<u64> {
        // A server that stops answering is an error, not a hang: each wait is bounded.
        let resp = tokio::time::timeout(REQUEST_TIMEOUT, self.request("GET", path, &[], Bytes::new()))
            .await
            .map_err(|_| anyhow::anyhow!("GET {path}: no answer within {} s", REQUEST_TIMEOUT.as_secs()))??;
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        if status != 200 {
            let text = body.collect().await?.to_bytes();
            bail!("GET {path}: HTTP {status}: {}", String::from_utf8_lossy(&text));
        }
        let part = file.with_extension("part");
        let out = std::fs::File::create(&part).with_context(|| format!("creating {}", part.display()))?;
        // The file is written on its own thread, while the next bytes arrive.
        let (to_file, arriving) = tokio::sync::mpsc::channel::<Bytes>(16);
        let writer = tokio::task::spawn_blocking(move || write_synced(out, arriving, SYNC_EVERY));
        let received = async {
            while let Some(frame) =
                tokio::time::timeout(REQUEST_TIMEOUT, body.frame()).await.map_err(|_| {
                    anyhow::anyhow!("GET {path}: the download stalled for {} s", REQUEST_TIMEOUT.as_secs())
                })?
            {
                let frame = frame.with_context(|| format!("GET {path}: the download broke off"))?;
                if let Ok(data) = frame.into_data()
                    && to_file.send(data).await.is_err()
                {
                    break; // the writer stopped: its error is the one to give
                }
            }
            drop(to_file);
            anyhow::Ok(())
        }
        .await;
        let written = writer.await?.with_context(|| format!("writing {}", part.display()));
        received?;
        let written = written?;
        std::fs::rename(&part, file).with_context(|| format!("renaming to {}", file.display()))?;
        Ok(written)
    }

    async fn must_get(&self, path: &str) -> Result<Bytes> {
        let Reply { status, body, .. } = self.send("GET", path, &[], Bytes::new()).await?;
        if status != 200 {
            bail!("GET {path}: HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }
}

/// How much is written between two flushes to disk while a download runs.
const SYNC_EVERY: u64 = 64 * 1024 * 1024;

/// Writes what arrives to `out`, then syncs it. What is written is flushed to
/// disk as it grows (each `sync_every` bytes), on another thread, so the disk
/// works while the download runs and the final sync has little left to wait for.
fn write_synced(
    mut out: std::fs::File,
    mut arriving: tokio::sync::mpsc::Receiver<Bytes>,
    sync_every: u64,
) -> std::io::Result<u64> {
    use std::io::Write as _;
    let flushing = out.try_clone()?;
    let (flush, flushes) = std::sync::mpsc::sync_channel::<()>(1);
    let flusher = std::thread::spawn(move || flushes.iter().try_for_each(|()| flushing.sync_data()));
    let (mut written, mut unflushed) = (0u64, 0u64);
    let wrote = (|| -> std::io::Result<()> {
        while let Some(data) = arriving.blocking_recv() {
            out.write_all(&data)?;
            written += data.len() as u64;
            unflushed += data.len() as u64;
            if unflushed >= sync_every {
                unflushed = 0;
                let _ = flush.try_send(()); // one already asked for covers this too
            }
        }
        Ok(())
    })();
    drop(flush);
    let flushed = flusher.join().map_err(|_| std::io::Error::other("the flushing thread failed"))?;
    wrote?;
    flushed?;
    out.sync_all()?;
    Ok(written)
}

fn failure(report: &mut LedgerReport, entry: Option<u64>, checkpoint: Option<u64>, message: String) {
    report.failure = Some(Divergence { entry, checkpoint, message });
}

/// Replays the log served at `url`.
pub async fn verify_server(url: &str, token: Option<String>, keys: &[VerifierKey]) -> Result<LedgerReport> {
    let remote = Remote::new(url, token)?;
    let origin = keys.first().map(|k| k.name().to_owned()).context("no verifier key")?;
    let note = remote.must_get("/ledger/checkpoint").await?;
    let mut report = LedgerReport {
        entries: 0,
        integrated: 0,
        checkpoints: 1,
        latest_size: None,
        latest_root: None,
        failure: None,
    };
    let (cp, verified) = match Checkpoint::open(&note, &origin, keys) {
        Ok(v) => v,
        Err(e) => {
            failure(&mut report, None, None, format!("the server's checkpoint does not verify: {e}"));
            return Ok(report);
        }
    };
    if let Some(k) = keys.iter().find(|k| !verified.is_signed_by(k)) {
        failure(
            &mut report,
            None,
            Some(cp.size),
            format!("the checkpoint lacks a valid signature by {}", k.name()),
        );
        return Ok(report);
    }
    report.entries = cp.size;
    report.integrated = cp.size;
    report.latest_size = Some(cp.size);
    // Entries → stored hashes, recomputed here.
    let mut hashes: Vec<Hash> = Vec::new();
    let mut n = 0u64;
    while n < cp.size {
        let width = u16::try_from((cp.size - n).min(256)).unwrap_or(256);
        let bundle = EntryBundle::new(n / 256, width).map_err(|e| anyhow::anyhow!("{e}"))?;
        let data = remote.must_get(&format!("/ledger/{}", bundle.path())).await?;
        let entries = match liuhen_tlog::parse_entry_bundle(&data) {
            Ok(e) if e.len() == usize::from(width) => e,
            Ok(e) => {
                failure(
                    &mut report,
                    Some(n),
                    None,
                    format!("bundle {} holds {} entries, not {width}", bundle.path(), e.len()),
                );
                return Ok(report);
            }
            Err(e) => {
                failure(&mut report, Some(n), None, format!("bundle {}: {e}", bundle.path()));
                return Ok(report);
            }
        };
        for e in entries {
            if let Err(err) = LedgerEntry::decode(e) {
                failure(&mut report, Some(n), None, format!("entry {n} is not a valid entry: {err}"));
                return Ok(report);
            }
            hashes.extend(
                liuhen_tlog::stored_hashes::<Sha256Hasher>(n, e, &hashes)
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            );
            n += 1;
        }
    }
    // Every hash tile the server serves for this size must match.
    for tile in liuhen_tlog::tiles_for_size(cp.size).map_err(|e| anyhow::anyhow!("{e}"))? {
        let expected = liuhen_tlog::read_tile_data(tile, &hashes).map_err(|e| anyhow::anyhow!("{e}"))?;
        let served = remote.must_get(&format!("/ledger/{}", tile.path())).await?;
        if served.as_ref() != expected.as_slice() {
            let pos =
                served.chunks(32).zip(expected.chunks(32)).position(|(a, b)| a != b).unwrap_or(0) as u64;
            let first_entry = (tile.index * 256 + pos) << (8 * u32::from(tile.level));
            failure(
                &mut report,
                Some(first_entry),
                Some(cp.size),
                format!(
                    "tile {} differs from the entries at hash {pos} (covering entries from {first_entry})",
                    tile.path()
                ),
            );
            return Ok(report);
        }
    }
    let root =
        liuhen_tlog::tree_hash::<Sha256Hasher>(cp.size, &hashes).map_err(|e| anyhow::anyhow!("{e}"))?;
    report.latest_root = Some(cp.root.to_base64());
    if root != cp.root {
        failure(
            &mut report,
            None,
            Some(cp.size),
            format!(
                "the entries give root {} but the checkpoint signs {}",
                root.to_base64(),
                cp.root.to_base64()
            ),
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8).collect()
    }

    /// What arrives is in the file, in order, flushed along the way.
    #[tokio::test]
    async fn a_download_is_written_whole_while_flushed_along_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let out = std::fs::File::create(&path).unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let writer = tokio::task::spawn_blocking(move || write_synced(out, rx, 100_000));
        let data = bytes(3_000_001);
        for piece in data.chunks(65_537) {
            tx.send(Bytes::copy_from_slice(piece)).await.unwrap();
        }
        drop(tx);
        assert_eq!(writer.await.unwrap().unwrap(), data.len() as u64);
        assert!(std::fs::read(&path).unwrap() == data);
    }

    /// A server answering `head` then `body` and closing the connection.
    async fn server(head: &'static str, body: Vec<u8>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            while !request.ends_with(b"\r\n\r\n") {
                let mut b = [0u8; 1];
                if conn.read(&mut b).await.unwrap() == 0 {
                    return;
                }
                request.push(b[0]);
            }
            conn.write_all(head.as_bytes()).await.unwrap();
            conn.write_all(&body).await.unwrap();
        });
        format!("http://{addr}")
    }

    fn chunked(data: &[u8], last: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for piece in data.chunks(300_000) {
            out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            out.extend_from_slice(piece);
            out.extend_from_slice(b"\r\n");
        }
        if last {
            out.extend_from_slice(b"0\r\n\r\n");
        }
        out
    }

    const CHUNKED: &str = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";

    /// A whole body becomes the file; one that breaks off is an error and no file.
    #[tokio::test]
    async fn a_download_that_breaks_off_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let data = bytes(2_000_003);
        let url = server(CHUNKED, chunked(&data, true)).await;
        let whole = dir.path().join("whole.tar");
        let n = Remote::new(&url, None).unwrap().download("/p", &whole).await.unwrap();
        assert_eq!(n, data.len() as u64);
        assert!(std::fs::read(&whole).unwrap() == data);

        let url = server(CHUNKED, chunked(&data, false)).await;
        let cut = dir.path().join("cut.tar");
        let err = Remote::new(&url, None).unwrap().download("/p", &cut).await.unwrap_err();
        assert!(format!("{err:#}").contains("broke off"), "{err:#}");
        assert!(!cut.exists());
    }
}
