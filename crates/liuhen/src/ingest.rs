//! `liuhen ingest`: the docking-station agent. It walks a docking folder
//! (the device record `device.json` and the files the camera wrote), and for
//! each file computes SHA-256 and SM3, uploads it with tus (resuming where
//! the server says it stands, after a crash of either side), checks the
//! digests the server stored against its own, and writes a receipt. A file
//! is marked done only once verified; no source file is ever deleted.
//!
//! State lives in `DIR/.liuhen-ingest/`: `state.json` (upload URL per file)
//! and `receipts/*.json` (one per verified file).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use hyper::body::Bytes;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::remote::Remote;

const STATE_DIR: &str = ".liuhen-ingest";
const CHUNK: usize = 8 << 20;

/// The device record a docking folder carries (GA/T 947 practice).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceRecord {
    /// 产品序号.
    device_serial: String,
    /// 执法证号 of the officer the device is issued to.
    officer: String,
    /// 单位编号 and 单位名称 the device is configured with: sent with each
    /// file, and checked by the server against the device register.
    #[serde(default)]
    unit_code: Option<String>,
    #[serde(default)]
    unit_name: Option<String>,
    /// Device clock minus true time, measured at docking, in milliseconds.
    #[serde(default)]
    clock_offset_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    files: BTreeMap<String, FileState>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FileState {
    size: u64,
    sha256: String,
    upload: Option<String>,
    evidence_id: Option<String>,
    verified: bool,
}

#[derive(Debug, Serialize)]
struct Receipt<'a> {
    file: &'a str,
    size: u64,
    sha256: &'a str,
    sm3: &'a str,
    evidence_id: &'a str,
    server: &'a str,
    device_serial: &'a str,
    officer: &'a str,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    pub verified: usize,
    pub already: usize,
    pub failed: Vec<(String, String)>,
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn media_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("mp4") => "video/mp4",
        Some("mov") => "video/quicktime",
        Some("m4a") => "audio/mp4",
        Some("wav") => "audio/wav",
        Some("mp3") => "audio/mpeg",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}

fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let e = e?;
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "device.json" {
                continue;
            }
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push(p);
            } else if t.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn digests(path: &Path) -> Result<(String, String)> {
    let mut f = std::fs::File::open(path)?;
    let (mut a, mut b) = (Sha256::new(), sm3::Sm3::new());
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        a.update(chunk);
        b.update(chunk);
    }
    Ok((hex::encode(a.finalize()), hex::encode(b.finalize())))
}

/// The recording's start as the file states it, when it does.
fn recorded_start(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let src = liuhen_media::SeekSource::new(file).ok()?;
    let facts = match liuhen_media::probe(&src, None) {
        liuhen_media::Probe::Recognised(f) => f,
        liuhen_media::Probe::Unparsed { .. } => return None,
    };
    let t = facts.creation_time?;
    let secs = t.unix_seconds?;
    let offset = t.offset_minutes.unwrap_or(0);
    let utc = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    let local = utc.to_offset(time::UtcOffset::from_whole_seconds(offset.saturating_mul(60)).ok()?);
    local.format(&time::format_description::well_known::Rfc3339).ok()
}

/// One pass over the folder.
pub async fn run_once(server: &str, token: &str, station: Option<&str>, dir: &Path) -> Result<Summary> {
    let device: DeviceRecord = {
        let p = dir.join("device.json");
        let text = std::fs::read_to_string(&p)
            .with_context(|| format!("reading the device record {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not a device record", p.display()))?
    };
    let state_dir = dir.join(STATE_DIR);
    std::fs::create_dir_all(state_dir.join("receipts"))?;
    let state_path = state_dir.join("state.json");
    let mut state: State = match std::fs::read(&state_path) {
        Ok(b) => {
            serde_json::from_slice(&b).with_context(|| format!("{} is damaged", state_path.display()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
        Err(e) => return Err(e.into()),
    };
    let remote = Remote::new(server, Some(token.to_owned()))?;
    let files = files_in(dir)?;
    let total: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let bars = MultiProgress::new();
    let overall = bars.add(ProgressBar::new(total));
    overall.set_style(
        ProgressStyle::with_template("total {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut summary = Summary::default();
    for path in files {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let size = std::fs::metadata(&path)?.len();
        if state.files.get(&rel).is_some_and(|f| f.verified && f.size == size) {
            summary.already += 1;
            overall.inc(size);
            continue;
        }
        let bar = bars.add(ProgressBar::new(size));
        bar.set_style(
            ProgressStyle::with_template("{msg:30} {bar:40} {bytes}/{total_bytes}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(rel.clone());
        match upload_one(
            &remote,
            &device,
            station,
            &path,
            &rel,
            size,
            &mut state,
            &state_path,
            &bar,
            &overall,
        )
        .await
        {
            Ok((sha256, sm3, evidence_id)) => {
                let receipt = Receipt {
                    file: &rel,
                    size,
                    sha256: &sha256,
                    sm3: &sm3,
                    evidence_id: &evidence_id,
                    server,
                    device_serial: &device.device_serial,
                    officer: &device.officer,
                };
                let name = format!("{}.json", rel.replace('/', "__"));
                write_durably(&state_dir.join("receipts").join(name), &serde_json::to_vec_pretty(&receipt)?)?;
                if let Some(f) = state.files.get_mut(&rel) {
                    f.verified = true;
                    f.evidence_id = Some(evidence_id);
                    f.upload = None;
                }
                write_durably(&state_path, &serde_json::to_vec_pretty(&state)?)?;
                summary.verified += 1;
                bar.finish_with_message(format!("{rel} verified"));
            }
            Err(e) => {
                bar.abandon_with_message(format!("{rel} FAILED"));
                summary.failed.push((rel, format!("{e:#}")));
            }
        }
    }
    overall.finish();
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn upload_one(
    remote: &Remote,
    device: &DeviceRecord,
    station: Option<&str>,
    path: &Path,
    rel: &str,
    size: u64,
    state: &mut State,
    state_path: &Path,
    bar: &ProgressBar,
    overall: &ProgressBar,
) -> Result<(String, String, String)> {
    let (sha256, sm3) = digests(path)?;
    let tus = ("tus-resumable", "1.0.0".to_owned());
    let entry = state.files.entry(rel.to_owned()).or_insert(FileState {
        size,
        sha256: sha256.clone(),
        upload: None,
        evidence_id: None,
        verified: false,
    });
    if entry.sha256 != sha256 || entry.size != size {
        // The file changed since the last attempt: start over.
        *entry = FileState { size, sha256: sha256.clone(), upload: None, evidence_id: None, verified: false };
    }
    // Where the upload stands, if it exists.
    let mut offset = 0u64;
    if let Some(url) = entry.upload.clone() {
        let r = remote.send("HEAD", &url, std::slice::from_ref(&tus), Bytes::new()).await?;
        match r.status {
            200 => offset = r.header("upload-offset").and_then(|v| v.parse().ok()).unwrap_or(0),
            _ => entry.upload = None,
        }
    }
    if entry.upload.is_none() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let mut meta = vec![
            format!("filename {}", b64(rel)),
            format!("filetype {}", b64(media_type(path))),
            format!("device_serial {}", b64(&device.device_serial)),
            format!("officer {}", b64(&device.officer)),
            format!("sha256 {}", b64(&sha256)),
        ];
        if let Some(s) = station {
            meta.push(format!("station_id {}", b64(s)));
        }
        if let Some(o) = device.clock_offset_ms {
            meta.push(format!("clock_offset_ms {}", b64(&o.to_string())));
        }
        for (key, value) in [("unit_code", &device.unit_code), ("unit_name", &device.unit_name)] {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                meta.push(format!("{key} {}", b64(v)));
            }
        }
        if let Some(start) = recorded_start(path) {
            meta.push(format!("recorded_start {}", b64(&start)));
        }
        let headers = [tus.clone(), ("upload-length", size.to_string()), ("upload-metadata", meta.join(","))];
        let r = remote.send("POST", "/api/v1/uploads", &headers, Bytes::new()).await?;
        if r.status != 201 {
            bail!("creating the upload: HTTP {}: {}", r.status, String::from_utf8_lossy(&r.body));
        }
        let loc = r.header("location").context("no Location in the answer")?.to_owned();
        entry.upload = Some(loc);
        write_durably(state_path, &serde_json::to_vec_pretty(&*state)?)?;
    }
    let url = state.files.get(rel).and_then(|f| f.upload.clone()).context("lost the upload URL")?;
    if offset > 0 {
        let line = format!("resuming {rel} at byte {offset}");
        if bar.is_hidden() {
            eprintln!("{line}");
        } else {
            bar.println(line);
        }
    }
    bar.set_position(offset);
    overall.inc(offset);
    let mut file = std::fs::File::open(path)?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset))?;
    let mut stored: Option<(String, String, String)> = None;
    let mut buf = vec![0u8; CHUNK];
    while offset < size || stored.is_none() {
        let n = if offset < size { read_full(&mut file, &mut buf)? } else { 0 };
        let chunk = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
        let checksum =
            format!("sha256 {}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&chunk)));
        let headers = [
            tus.clone(),
            ("upload-offset", offset.to_string()),
            ("content-type", "application/offset+octet-stream".to_owned()),
            ("upload-checksum", checksum),
        ];
        let r = remote.send("PATCH", &url, &headers, chunk).await?;
        if r.status != 204 {
            bail!("sending bytes at {offset}: HTTP {}: {}", r.status, String::from_utf8_lossy(&r.body));
        }
        let new_offset: u64 =
            r.header("upload-offset").and_then(|v| v.parse().ok()).context("no Upload-Offset")?;
        bar.inc(new_offset - offset);
        overall.inc(new_offset - offset);
        offset = new_offset;
        if let (Some(id), Some(s), Some(m)) = (
            r.header("liuhen-evidence-id"),
            r.header("liuhen-evidence-sha256"),
            r.header("liuhen-evidence-sm3"),
        ) {
            stored = Some((s.to_owned(), m.to_owned(), id.to_owned()));
        }
        if n == 0 && stored.is_none() {
            bail!("the server has all {size} bytes but did not record the file");
        }
    }
    let (s, m, id) = stored.context("no evidence recorded")?;
    if s != sha256 || m != sm3 {
        bail!("the server stored SHA-256 {s} / SM3 {m}, but the file has {sha256} / {sm3}: not marked done");
    }
    Ok((sha256, sm3, id))
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(buf.get_mut(n..).unwrap_or_default())?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

/// Runs once, or keeps watching the folder.
pub async fn run(server: &str, token: &str, station: Option<&str>, dir: &Path, watch: bool) -> Result<u8> {
    loop {
        let s = run_once(server, token, station, dir).await?;
        for (f, why) in &s.failed {
            eprintln!("FAILED {f}: {why}");
        }
        println!("ingest: {} verified, {} already done, {} failed", s.verified, s.already, s.failed.len());
        if !watch {
            return Ok(if s.failed.is_empty() { 0 } else { 1 });
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}
