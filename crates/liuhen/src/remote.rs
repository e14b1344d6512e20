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
        use std::io::Write as _;
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
        let mut out = std::fs::File::create(&part).with_context(|| format!("creating {}", part.display()))?;
        let mut written = 0u64;
        while let Some(frame) = tokio::time::timeout(REQUEST_TIMEOUT, body.frame()).await.map_err(|_| {
            anyhow::anyhow!("GET {path}: the download stalled for {} s", REQUEST_TIMEOUT.as_secs())
        })? {
            let frame = frame.with_context(|| format!("GET {path}: the download broke off"))?;
            if let Ok(data) = frame.into_data() {
                out.write_all(&data).with_context(|| format!("writing {}", part.display()))?;
                written += data.len() as u64;
            }
        }
        out.sync_all()?;
        drop(out);
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
