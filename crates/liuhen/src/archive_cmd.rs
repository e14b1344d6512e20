//! `liuhen archive export`: an archivist's case-file package, assembled on
//! the server if it is not yet, and downloaded as one tar file — streamed to
//! disk, never held in memory — ready for `liuhen verify FILE.tar`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use hyper::body::Bytes;

use crate::remote::Remote;

/// What the server says of a package (the fields used here).
#[derive(serde::Deserialize)]
struct Package {
    id: String,
    file_no: String,
    report: Report,
}

#[derive(serde::Deserialize)]
struct Report {
    passed: bool,
}

#[derive(serde::Deserialize)]
struct CaseList {
    items: Vec<CaseItem>,
}

#[derive(serde::Deserialize)]
struct CaseItem {
    id: String,
    number: String,
}

/// Exports the package of `case` (案件编号 or id) to `out`; prints its 档号.
pub async fn export(server: &str, token: &str, case: &str, out: &Path) -> Result<u8> {
    let remote = Remote::new(server, Some(token.to_owned()))?;
    let id = case_id(&remote, case).await?;
    let path = format!("/api/v1/cases/{id}/archive");
    let reply = remote.send("GET", &path, &[], Bytes::new()).await?;
    let archive: Package = match reply.status {
        200 => serde_json::from_slice(&reply.body)?,
        404 => {
            let made = remote.send("POST", &path, &[], Bytes::new()).await?;
            if made.status != 201 {
                bail!(
                    "assembling the package: HTTP {}: {}",
                    made.status,
                    String::from_utf8_lossy(&made.body)
                );
            }
            serde_json::from_slice(&made.body)?
        }
        s => bail!("GET {path}: HTTP {s}: {}", String::from_utf8_lossy(&reply.body)),
    };
    let bytes = remote.download(&format!("/api/v1/archives/{}/package", archive.id), out).await?;
    println!("档号 {}: {} ({bytes} bytes)", archive.file_no, out.display());
    if !archive.report.passed {
        println!("四性检测 found problems: GET /api/v1/archives/{} for the report", archive.id);
    }
    println!("check it offline: liuhen verify {} --key KEYS", out.display());
    Ok(0)
}

/// The id of a case given by its id or its 案件编号.
async fn case_id(remote: &Remote, case: &str) -> Result<String> {
    if case.parse::<liuhen_domain::CaseId>().is_ok() {
        return Ok(case.to_owned());
    }
    let q: String = case.bytes().map(|b| format!("%{b:02X}")).collect();
    let reply = remote.send("GET", &format!("/api/v1/cases?q={q}&limit=100"), &[], Bytes::new()).await?;
    if reply.status != 200 {
        bail!("finding case {case}: HTTP {}: {}", reply.status, String::from_utf8_lossy(&reply.body));
    }
    let list: CaseList = serde_json::from_slice(&reply.body)?;
    list.items
        .into_iter()
        .find(|c| c.number == case)
        .map(|c| c.id)
        .with_context(|| format!("no archived case numbered {case} within the token's reach"))
}
