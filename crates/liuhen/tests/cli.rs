//! The real binary, as users and courts run it: a server process with its
//! demo data, the ledger's public endpoints, offline verification, replay,
//! and `kill -9` at random moments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use liuhen_tlog::{Checkpoint, Hash, Sha256Hasher, VerifierKey};

const BIN: &str = env!("CARGO_BIN_EXE_liuhen");

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ClamAV signatures for the binary under test (`LIUHEN_CLAMSCAN_DATABASE`): one that matches
/// nothing liuhen writes, so that where `clamscan` is installed each package is scanned for real
/// without ClamAV's own database (which `freshclam` downloads).
fn clamav_signatures() -> &'static Path {
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        use sha2::Digest as _;
        let marker = b"liuhen: no package holds these bytes";
        let sha = hex::encode(sha2::Sha256::digest(marker));
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join("liuhen-test.hsb");
        let part = dir.join(format!("liuhen-test.hsb.{}", std::process::id()));
        std::fs::write(&part, format!("{sha}:{}:Liuhen.Test.Nothing\n", marker.len())).unwrap();
        std::fs::rename(&part, &path).unwrap();
        path
    })
}

fn start(data: &Path, demo: bool) -> Server {
    let mut cmd = Command::new(BIN);
    cmd.env("LIUHEN_CLAMSCAN_DATABASE", clamav_signatures());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data"]).arg(data);
    if demo {
        cmd.arg("--demo");
    }
    let mut child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::null()).env("LIUHEN_LOG", "warn").spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(a) = line.strip_prefix("liuhen listening on http://") {
                let _ = tx.send(a.parse::<SocketAddr>().unwrap());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(120)).expect("the server did not start");
    Server { child, addr }
}

/// A minimal HTTP/1.1 exchange (one request per connection).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut headers = Vec::new();
    if let Some(t) = token {
        headers.push(("Authorization".to_owned(), format!("Bearer {t}")));
    }
    if body.is_some_and(|b| !b.is_empty()) {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    http_raw(addr, method, path, &headers, body.unwrap_or("").as_bytes()).map(|(s, _, b)| (s, b))
}

/// The same with any headers; returns status, lower-cased head and body.
fn http_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or(std::io::ErrorKind::UnexpectedEof)?;
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let head_copy = head.clone();
    let status: u16 =
        head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or(std::io::ErrorKind::InvalidData)?;
    let mut payload = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = payload.as_slice();
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
            rest = &rest[eol + 2 + n + 2..];
        }
        payload = out;
    }
    Ok((status, head_copy, payload))
}

fn get_text(addr: SocketAddr, path: &str, token: Option<&str>) -> String {
    let (status, body) = http(addr, "GET", path, token, None).unwrap();
    assert_eq!(status, 200, "GET {path}: {}", String::from_utf8_lossy(&body));
    String::from_utf8(body).unwrap()
}

fn json(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    let (status, b) = http(addr, method, path, token, body).unwrap();
    (status, serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null))
}

fn login(addr: SocketAddr, who: &str) -> String {
    let body = format!(r#"{{"login":"{who}","password":"liuhen-demo-{who}"}}"#);
    let (status, v) = json(addr, "POST", "/api/v1/auth/login", None, Some(&body));
    assert_eq!(status, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

fn keys(addr: SocketAddr) -> Vec<VerifierKey> {
    get_text(addr, "/ledger/keys", None).lines().map(|l| VerifierKey::parse(l).unwrap()).collect()
}

/// The newest checkpoint, once it covers at least `min` entries.
fn checkpoint(addr: SocketAddr, keys: &[VerifierKey], min: u64) -> Checkpoint {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok((200, body)) = http(addr, "GET", "/ledger/checkpoint", None, None) {
            let (cp, _) = Checkpoint::open(&body, keys[0].name(), keys).unwrap();
            if cp.size >= min {
                return cp;
            }
        }
        assert!(Instant::now() < deadline, "no checkpoint covering {min} entries within 10 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("LIUHEN_LOG", "error")
        .env("LIUHEN_CLAMSCAN_DATABASE", clamav_signatures())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_tlog_proof_verifies_offline_and_a_changed_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), true);
    let ks = keys(server.addr);
    checkpoint(server.addr, &ks, 10);
    let sup = login(server.addr, "supervisor1");
    let proof = get_text(server.addr, "/api/v1/ledger/entries/3/tlog-proof", Some(&sup));
    let officer = login(server.addr, "officer1");
    let (status, _) =
        http(server.addr, "GET", "/api/v1/ledger/entries/3/tlog-proof", Some(&officer), None).unwrap();
    assert_eq!(status, 403);
    drop(server);

    let p = dir.path().join("e3.tlog-proof");
    let k = dir.path().join("keys.txt");
    std::fs::write(&p, &proof).unwrap();
    std::fs::write(&k, ks.iter().map(|k| format!("{k}\n")).collect::<String>()).unwrap();
    let (code, out) = run(&["verify", p.to_str().unwrap(), "--key", k.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("verified"));
    let (code, out) = run(&["verify", p.to_str().unwrap(), "--key", &ks[0].to_string(), "--json"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["verified"], true);

    // One changed character in a proof hash: exit 1.
    let lines: Vec<&str> = proof.lines().collect();
    let i = lines.iter().position(|l| l.starts_with("index ")).unwrap() + 1;
    let mut bad: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let first = bad[i].chars().next().unwrap();
    bad[i].replace_range(0..1, if first == 'A' { "B" } else { "A" });
    std::fs::write(&p, bad.join("\n") + "\n").unwrap();
    let (code, out) = run(&["verify", p.to_str().unwrap(), "--key", k.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    // Cannot run: no such file, or no usable key.
    assert_eq!(run(&["verify", "/nonexistent.tlog-proof", "--key", k.to_str().unwrap()]).0, 2);
    assert_eq!(run(&["verify", p.to_str().unwrap(), "--key", "not-a-key"]).0, 2);
}

#[test]
fn ledger_verify_names_a_changed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), true);
    let ks = keys(server.addr);
    checkpoint(server.addr, &ks, 20);
    drop(server);
    let data = dir.path().to_str().unwrap();
    let (code, out) = run(&["ledger", "verify", "--data", data]);
    assert_eq!(code, 0, "{out}");
    let db = dir.path().join("liuhen.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use sqlx::{Connection, Row};
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let row =
            sqlx::query("SELECT body FROM ledger_entries WHERE seq = 12").fetch_one(&mut c).await.unwrap();
        let mut body: Vec<u8> = row.get("body");
        let at = body.windows(6).position(|w| w == b"\"time\"").unwrap() + 7;
        body[at] = if body[at] == b'1' { b'2' } else { b'1' };
        sqlx::query("DROP TRIGGER ledger_entries_no_update").execute(&mut c).await.unwrap();
        sqlx::query("UPDATE ledger_entries SET body = $1 WHERE seq = 12")
            .bind(body)
            .execute(&mut c)
            .await
            .unwrap();
    });
    let (code, out) = run(&["ledger", "verify", "--data", data]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("entry 12"), "{out}");
}

/// A small deterministic generator for kill delays.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn kill_9_at_random_moments_loses_nothing_acknowledged() {
    let rounds: usize =
        std::env::var("LIUHEN_TEST_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    drop(start(dir.path(), true));
    let (code, token) =
        run(&["admin", "token", "create", "--data", dir.path().to_str().unwrap(), "--login", "officer1"]);
    assert_eq!(code, 0);
    let token = token.trim().to_owned();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut seen: Vec<(u64, Hash)> = Vec::new();
    let mut rng = Lcg(0x5eed);
    let mut acked_before_round = 0u64;
    for round in 0..rounds {
        let mut server = start(dir.path(), false);
        let addr = server.addr;
        let ks = keys(addr);
        // Everything acknowledged before the last kill is in the log, and
        // every checkpoint seen before is a prefix of the new tree.
        let before = acked.lock().unwrap().len() as u64;
        // Each acknowledged case is one entry: the new tree must hold at least those.
        let cp = checkpoint(addr, &ks, seen.last().map(|s| s.0).unwrap_or(1) + (before - acked_before_round));
        acked_before_round = before;
        for (size, root) in &seen {
            if *size == cp.size {
                assert_eq!(*root, cp.root, "round {round}: two roots for size {size}");
                continue;
            }
            let (status, v) = json(
                addr,
                "GET",
                &format!("/api/v1/ledger/proof/consistency?from={size}&to={}", cp.size),
                None,
                None,
            );
            assert_eq!(status, 200, "round {round}: {v}");
            let proof: Vec<Hash> = v["proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| Hash::from_base64(h.as_str().unwrap()).unwrap())
                .collect();
            liuhen_tlog::verify_consistency::<Sha256Hasher>(*size, cp.size, root, &cp.root, &proof)
                .unwrap_or_else(|e| {
                    panic!("round {round}: checkpoint {size} is not a prefix of {}: {e}", cp.size)
                });
        }
        seen.push((cp.size, cp.root));
        let (status, v) = json(addr, "GET", "/api/v1/cases?limit=1", Some(&token), None);
        assert_eq!(status, 200);
        assert!(v["total"].as_u64().unwrap() >= before + 4, "round {round}: acknowledged cases are missing");

        // Load, then kill -9 at a random moment.
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let (stop, acked, token) = (stop.clone(), acked.clone(), token.clone());
                std::thread::spawn(move || {
                    let body = format!(r#"{{"cause":"压力测试 {round}-{w}","kind":"other","parties":[]}}"#);
                    while !stop.load(Ordering::Relaxed) {
                        match http(addr, "POST", "/api/v1/cases", Some(&token), Some(&body)) {
                            Ok((201, b)) => {
                                let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
                                acked.lock().unwrap().push(v["id"].as_str().unwrap().to_owned());
                            }
                            Ok((status, b)) => panic!("unexpected {status}: {}", String::from_utf8_lossy(&b)),
                            Err(_) => break, // the server is gone
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50 + rng.next(450)));
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            w.join().unwrap();
        }
    }
    // After the last crash: every acknowledged case and its ledger entry are there, and the log replays.
    let server = start(dir.path(), false);
    let ks = keys(server.addr);
    checkpoint(server.addr, &ks, seen.last().unwrap().0 + 1);
    drop(server);
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > rounds, "the load acknowledged only {} cases", acked.len());
    eprintln!(
        "{rounds} kills, {} acknowledged cases, {} checkpoints checked for consistency",
        acked.len(),
        seen.len()
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = liuhen_store::Store::open_dir(dir.path()).await.unwrap();
        let mut tx = store.read().await.unwrap();
        let entries = tx.read_entries(0, u32::MAX).await.unwrap();
        let created: std::collections::HashSet<String> = entries
            .iter()
            .map(|e| liuhen_domain::LedgerEntry::decode(&e.body).unwrap())
            .filter(|e| e.kind == "case.created")
            .flat_map(|e| e.subjects)
            .collect();
        for id in &acked {
            assert!(created.contains(&format!("case:{id}")), "acknowledged case {id} has no ledger entry");
        }
    });
    let (code, out) = run(&["ledger", "verify", "--data", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn ledger_verify_replays_a_server_from_its_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), true);
    let ks = keys(server.addr);
    // Grow the log past one full tile.
    let sup = login(server.addr, "supervisor1");
    let (_, list) = json(server.addr, "GET", "/api/v1/cases?limit=1", Some(&sup), None);
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    for _ in 0..300 {
        assert_eq!(
            http(server.addr, "GET", &format!("/api/v1/cases/{id}"), Some(&sup), None).unwrap().0,
            200
        );
    }
    checkpoint(server.addr, &ks, 300);
    let keyfile = dir.path().join("keys.txt");
    std::fs::write(&keyfile, ks.iter().map(|k| format!("{k}\n")).collect::<String>()).unwrap();
    let url = format!("http://{}", server.addr);
    let args = |token: &str| {
        vec![
            "ledger".to_owned(),
            "verify".into(),
            "--server".into(),
            url.clone(),
            "--token".into(),
            token.to_owned(),
            "--key".into(),
            keyfile.to_str().unwrap().to_owned(),
        ]
    };
    let run_owned = |a: Vec<String>| run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let (code, out) = run_owned(args(&sup));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ledger verified"), "{out}");
    // Without an entitled token the entries cannot be read: cannot run.
    let officer = login(server.addr, "officer1");
    assert_eq!(run_owned(args(&officer)).0, 2);
    // A wrong key: the checkpoint does not verify.
    let other = liuhen_tlog::SignerKey::ed25519_from_seed(ks[0].name(), &[1; 32]).unwrap();
    let mut a = args(&sup);
    *a.last_mut().unwrap() = other.verifier().to_string();
    assert_eq!(run_owned(a).0, 1);
    // Change entry 200 in the database under the running server.
    let db = dir.path().join("liuhen.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use sqlx::{Connection, Row};
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let row =
            sqlx::query("SELECT body FROM ledger_entries WHERE seq = 200").fetch_one(&mut c).await.unwrap();
        let mut body: Vec<u8> = row.get("body");
        let at = body.windows(9).position(|w| w == b"\"nonce\":\"").unwrap() + 9;
        body[at] = if body[at] == b'0' { b'1' } else { b'0' };
        sqlx::query("DROP TRIGGER ledger_entries_no_update").execute(&mut c).await.unwrap();
        sqlx::query("UPDATE ledger_entries SET body = $1 WHERE seq = 200")
            .bind(body)
            .execute(&mut c)
            .await
            .unwrap();
    });
    let (code, out) = run_owned(args(&sup));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("entries from 200"), "{out}");
}

#[test]
fn a_rulebook_layer_that_loosens_a_national_rule_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let loose = dir.path().join("local.toml");
    std::fs::write(&loose, "[layer]\nkind = \"local\"\nname = \"X市\"\n\n[[rule]]\nact = \"强制拆除\"\nvenue = \"on_site\"\nav = \"text_allowed\"\n")
        .unwrap();
    let (code, out) = run(&["policy", "check", loose.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("national rule 强制拆除"), "{out}");
    let tight = dir.path().join("dept.toml");
    std::fs::write(&tight, "[layer]\nkind = \"department\"\nname = \"市场监管\"\n\n[[rule]]\nact = \"现场检查\"\nav = \"full\"\n").unwrap();
    assert_eq!(run(&["policy", "check", tight.to_str().unwrap()]).0, 0);
    let (code, out) = run(&["policy", "show", "--act", "现场检查", "--layer", tight.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("full") && out.contains("市场监管"), "{out}");
    // Procedures: what each stage expects and the handling limit, with their layers.
    let (code, out) = run(&["policy", "show", "--procedure", "行政处罚普通程序"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("询问笔录") && out.contains("90") && out.contains("第60条"), "{out}");
    let longer = dir.path().join("longer.toml");
    std::fs::write(
        &longer,
        "[layer]\nkind = \"local\"\nname = \"某市\"\n\n[[limit]]\nprocedure = \"penalty_ordinary\"\ndays = 120\n",
    )
    .unwrap();
    let (code, out) = run(&["policy", "check", longer.to_str().unwrap()]);
    assert_eq!(code, 1, "a local layer may not lengthen the national 90 days: {out}");
    assert!(out.contains("national") && out.contains("120"), "{out}");
    // The server refuses to start on a layer that does not load, before it creates anything.
    let data = dir.path().join("data");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("LIUHEN_POLICY_LAYERS", &loose)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("national rule 强制拆除"));
    assert!(!data.join("keys").exists());
}

#[test]
fn an_uploaded_original_changed_on_disk_is_quarantined_and_recorded() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), true);
    let officer = login(server.addr, "officer1");
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 241) as u8).collect();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let auth = ("Authorization".to_owned(), format!("Bearer {officer}"));
    let tus = ("Tus-Resumable".to_owned(), "1.0.0".to_owned());
    let (status, head, _) = http_raw(
        server.addr,
        "POST",
        "/api/v1/uploads",
        &[
            auth.clone(),
            tus.clone(),
            ("Upload-Length".into(), data.len().to_string()),
            ("Upload-Metadata".into(), format!("filename {},filetype {}", b64("a.mp4"), b64("video/mp4"))),
        ],
        b"",
    )
    .unwrap();
    assert_eq!(status, 201, "{head}");
    let loc = head.lines().find_map(|l| l.strip_prefix("location: ")).unwrap().trim().to_owned();
    let (status, head, _) = http_raw(
        server.addr,
        "PATCH",
        &loc,
        &[
            auth,
            tus,
            ("Upload-Offset".into(), "0".into()),
            ("Content-Type".into(), "application/offset+octet-stream".into()),
        ],
        &data,
    )
    .unwrap();
    assert_eq!(status, 204, "{head}");
    let sha =
        head.lines().find_map(|l| l.strip_prefix("liuhen-evidence-sha256: ")).unwrap().trim().to_owned();
    drop(server);
    let data_dir = dir.path().to_str().unwrap();
    let (code, out) = run(&["store", "scrub", "--data", data_dir]);
    assert_eq!(code, 0, "{out}");
    let object = dir.path().join("blobs/objects/sha256").join(&sha[..2]).join(&sha[2..4]).join(&sha);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    let mut changed = data.clone();
    changed[500] ^= 0xff;
    std::fs::write(&object, changed).unwrap();
    let (code, out) = run(&["store", "scrub", "--data", data_dir]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("QUARANTINED: object {sha}")), "{out}");
    assert!(!object.exists());
    let (code, out) = run(&["ledger", "verify", "--data", data_dir]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn the_ingest_agent_uploads_resumes_after_a_kill_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let server = start(&data, true);
    let (code, token) =
        run(&["admin", "token", "create", "--data", data.to_str().unwrap(), "--login", "station1"]);
    assert_eq!(code, 0);
    let token = token.trim().to_owned();
    let dock = dir.path().join("dock");
    std::fs::create_dir_all(dock.join("DCIM/100MEDIA")).unwrap();
    std::fs::write(
        dock.join("device.json"),
        r#"{"device_serial": "DSJ-A8-0001", "officer": "33010026001", "unit_code": "330100", "unit_name": "执法稽查一队", "clock_offset_ms": 2000}"#,
    )
    .unwrap();
    let big: Vec<u8> = (0..150_000_000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    std::fs::write(dock.join("DCIM/100MEDIA/FILE0001.MP4"), &big).unwrap();
    std::fs::write(dock.join("DCIM/100MEDIA/FILE0002.JPG"), b"not really a jpeg").unwrap();
    let url = format!("http://{}", server.addr);
    let args = ["ingest", "--server", &url, "--token", &token, "--station", "S1", dock.to_str().unwrap()];

    // Start, wait for bytes to reach the server, then kill -9 the agent.
    let mut child = Command::new(BIN).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let uploads = data.join("blobs/uploads");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let partial = std::fs::read_dir(&uploads)
            .map(|d| {
                d.filter_map(Result::ok).any(|e| {
                    e.path().extension().is_some_and(|x| x == "part")
                        && e.metadata().is_ok_and(|m| m.len() > 8 << 20)
                })
            })
            .unwrap_or(false);
        if partial {
            break;
        }
        assert!(Instant::now() < deadline, "no bytes arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let out = Command::new(BIN).args(args).env("LIUHEN_LOG", "error").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("resuming DCIM/100MEDIA/FILE0001.MP4 at byte"), "{text}");
    assert!(text.contains("2 verified"), "{text}");
    let receipts: Vec<_> = std::fs::read_dir(dock.join(".liuhen-ingest/receipts")).unwrap().collect();
    assert_eq!(receipts.len(), 2);
    let (code, out) = run(&args);
    assert_eq!(code, 0);
    assert!(out.contains("0 verified, 2 already done"), "{out}");
    // The sources are all still there.
    assert_eq!(std::fs::read(dock.join("DCIM/100MEDIA/FILE0001.MP4")).unwrap().len(), big.len());
    // The server holds the file under the digest the agent computed.
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&big));
    assert!(data.join("blobs/objects/sha256").join(&sha[..2]).join(&sha[2..4]).join(&sha).exists());
}

/// The 单位编号 and 单位名称 of `device.json` travel with each file and are
/// checked against the device register: a unit the register does not give
/// the device flags the evidence, which is kept.
#[test]
fn the_ingest_agent_sends_the_devices_unit_and_the_register_checks_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let server = start(&data, true);
    let (code, token) =
        run(&["admin", "token", "create", "--data", data.to_str().unwrap(), "--login", "station1"]);
    assert_eq!(code, 0);
    let token = token.trim().to_owned();
    let dock = dir.path().join("dock");
    std::fs::create_dir_all(dock.join("DCIM")).unwrap();
    // The demo's camera DSJ-LJ1-0101 is registered in 执法稽查一队, which has no 单位编号.
    std::fs::write(
        dock.join("device.json"),
        r#"{"device_serial": "DSJ-LJ1-0101", "officer": "33010026001", "unit_code": "330100", "unit_name": "执法稽查一队", "clock_offset_ms": 1500}"#,
    )
    .unwrap();
    std::fs::write(dock.join("DCIM/FILE0001.JPG"), b"not really a jpeg").unwrap();
    let url = format!("http://{}", server.addr);
    let (code, out) = run(&[
        "ingest",
        "--server",
        &url,
        "--token",
        &token,
        "--station",
        "LJSJ-YD-ST01",
        dock.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let receipt = std::fs::read_dir(dock.join(".liuhen-ingest/receipts")).unwrap().next().unwrap().unwrap();
    let receipt: serde_json::Value = serde_json::from_slice(&std::fs::read(receipt.path()).unwrap()).unwrap();
    let id = receipt["evidence_id"].as_str().unwrap();
    let leader = login(server.addr, "leader1");
    let (status, e) = json(server.addr, "GET", &format!("/api/v1/evidence/{id}"), Some(&leader), None);
    assert_eq!(status, 200, "{e}");
    assert_eq!(
        (e["unit_code"].as_str(), e["unit_name"].as_str()),
        (Some("330100"), Some("执法稽查一队")),
        "{e}"
    );
    let flags: Vec<&str> =
        e["device_flags"].as_array().unwrap().iter().filter_map(|f| f["kind"].as_str()).collect();
    assert_eq!(flags, ["device_unit_mismatch"], "{e}");
    // The 校时 the station measured is in the device's history.
    let admin = login(server.addr, "admin");
    let (status, h) = json(server.addr, "GET", "/api/v1/devices/DSJ-LJ1-0101/clock", Some(&admin), None);
    assert_eq!(status, 200, "{h}");
    assert_eq!(h[0]["offset_ms"].as_i64(), Some(1500), "{h}");
    assert_eq!(h[0]["evidence_id"].as_str(), Some(id), "{h}");
}

/// `liuhen doc render`: a preview PDF from a format name and field values;
/// invalid values name the field and write nothing.
#[test]
fn doc_render_writes_a_pdf_or_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fields.json");
    let fields = serde_json::json!({
        "agency_name": "临江市市场监督管理局",
        "case_title": "王建国销售超过保质期食品案",
        "party": {"type": "natural_person", "name": "王建国", "id_kind": "resident_id_card", "id_number": "11010519491231002X"},
        "facts": "经查，当事人销售超过保质期的调味酱12瓶。",
        "evidence": "现场检查笔录。",
        "law_violated": "《中华人民共和国食品安全法》第三十四条第十项",
        "statement_review": "当事人未提出陈述、申辩意见。",
        "discretion": "初次违法，从轻处罚。",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
        "penalty": "罚款人民币50000元。",
        "fine_amount": "50000.00",
        "payment": "十五日内缴纳。",
        "review_agency": "临江市人民政府",
        "court": "临江市人民法院",
        "decision_date": "2026-11-27"
    });
    std::fs::write(&data, fields.to_string()).unwrap();
    let out = dir.path().join("out.pdf");
    let (code, text) = run(&[
        "doc",
        "render",
        "--format",
        "行政处罚决定书",
        "--data",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--number",
        "临市监罚〔2026〕7号",
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF-"));
    let mut bad = fields.clone();
    bad["fine_amount"] = serde_json::json!("五万");
    std::fs::write(&data, bad.to_string()).unwrap();
    let out2 = dir.path().join("bad.pdf");
    let bad = Command::new(BIN)
        .args(["doc", "render", "--format", "penalty_decision", "--data", data.to_str().unwrap(), "-o"])
        .arg(&out2)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{text}");
    assert!(text.contains("fine_amount"), "{text}");
    assert!(!out2.exists());
}

/// `liuhen doc render` for every base format, by its 文书名称, from the sample values: a PDF
/// whose text (when poppler's `pdftotext` is installed) holds the title and, for numbered
/// formats, the 文号 given.
#[test]
fn doc_render_renders_every_base_format_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let formats = liuhen_docs::FormatSet::with_base().unwrap();
    let pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    for f in formats.formats() {
        let data = dir.path().join(format!("{}.json", f.code));
        std::fs::write(&data, liuhen_docs::samples::values(&f.code).unwrap().to_string()).unwrap();
        let out = dir.path().join(format!("{}.pdf", f.code));
        let number = f.render_number("临市监", 2026, 21);
        let mut args = vec!["doc", "render", "--format", f.name.as_str(), "--data", data.to_str().unwrap()];
        args.extend(["-o", out.to_str().unwrap()]);
        if let Some(n) = &number {
            args.extend(["--number", n.as_str()]);
        }
        let rendered = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(
            rendered.status.code(),
            Some(0),
            "{}: {}",
            f.code,
            String::from_utf8_lossy(&rendered.stderr)
        );
        assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF-"), "{}", f.code);
        if !pdftotext {
            continue;
        }
        let text =
            Command::new("pdftotext").args(["-raw", "-enc", "UTF-8"]).arg(&out).arg("-").output().unwrap();
        let text: String =
            String::from_utf8_lossy(&text.stdout).chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(&f.name), "{}: title missing in {text}", f.code);
        if let Some(n) = number {
            assert!(text.contains(&n), "{}: 文号 {n} missing in {text}", f.code);
        }
    }
}

/// A local format layer that drops a mandatory base field is refused, naming
/// the field — by `liuhen doc formats --layer` and by the server at start.
#[test]
fn a_format_layer_dropping_a_mandatory_field_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("local.toml");
    std::fs::write(
        &bad,
        "[layer]\nkind = \"local\"\nname = \"临江市\"\n\n[[format]]\ncode = \"penalty_decision\"\nbase = \"penalty_decision\"\nremove_fields = [\"evidence\"]\n",
    )
    .unwrap();
    let out = Command::new(BIN).args(["doc", "formats", "--layer"]).arg(&bad).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("证据") && err.contains("evidence") && err.contains("local.toml"), "{err}");
    let (code, listing) = run(&["doc", "formats"]);
    assert_eq!(code, 0);
    assert_eq!(listing.lines().count(), liuhen_docs::BASE_FORMATS.len(), "{listing}");
    let data = dir.path().join("data");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("LIUHEN_FORMAT_LAYERS", &bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("evidence"));
}

/// The data folder, the database, the demo logins and the keys are private
/// to liuhen's user whatever the umask, and a key file open to others is
/// refused at start, naming the fix.
#[cfg(unix)]
#[test]
fn data_and_keys_are_private_and_an_open_key_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&data, true);
    login(server.addr, "officer1");
    drop(server);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for p in [data.clone(), data.join("keys"), data.join("blobs"), data.join("blobs/uploads")] {
        assert_eq!(mode(&p), 0o700, "{}", p.display());
    }
    for name in ["liuhen.db", "demo-logins.json", "keys/ledger-ed25519.key", "keys/login-hmac.key"] {
        assert_eq!(mode(&data.join(name)) & 0o077, 0, "{name} is open: {:o}", mode(&data.join(name)));
    }
    let token = |data: &Path| {
        Command::new(BIN)
            .args(["admin", "token", "create", "--login", "admin", "--data"])
            .arg(data)
            .env("LIUHEN_LOG", "error")
            .output()
            .unwrap()
    };
    assert!(token(&data).status.success());
    for key in ["keys/ledger-ed25519.key", "keys/login-hmac.key"] {
        let path = data.join(key);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = token(&data);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("chmod 600"), "{key}: {err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert!(token(&data).status.success());
}

/// 归档 end to end: an archivist's token exports an archived demo case as a
/// tar file (assembled on the way), `liuhen verify` passes it offline with
/// the server's keys and with a fingerprint of the key in the package, and
/// fails it, naming the file, once one byte is changed. The Library of
/// Congress validator (`bagit.py`, when installed) accepts the bag.
#[test]
fn an_archived_case_exports_as_a_package_that_verifies_offline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let server = start(&data, true);
    let (code, token) =
        run(&["admin", "token", "create", "--data", data.to_str().unwrap(), "--login", "archivist1"]);
    assert_eq!(code, 0, "{token}");
    let token = token.trim().to_owned();
    let leader = login(server.addr, "leader1");
    let (_, cases) = json(server.addr, "GET", "/api/v1/cases?limit=100", Some(&leader), None);
    let number = cases["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cause"] == "销售超过保质期的食品")
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("http://{}", server.addr);
    let out = dir.path().join("case.tar");
    let (code, said) = run(&[
        "archive",
        "export",
        "--server",
        &url,
        "--token",
        &token,
        "--case",
        &number,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("档号"), "{said}");
    let keys_file = dir.path().join("keys.txt");
    std::fs::write(&keys_file, get_text(server.addr, "/ledger/keys", None)).unwrap();
    let (code, said) = run(&["verify", out.to_str().unwrap(), "--key", keys_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("verified"), "{said}");
    // Exported again: the same package (assembled once).
    let again = dir.path().join("again.tar");
    let (code, said) = run(&[
        "archive",
        "export",
        "--server",
        &url,
        "--token",
        &token,
        "--case",
        &number,
        "-o",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{said}");
    let first_key = std::fs::read_to_string(&keys_file).unwrap().lines().next().unwrap().trim().to_owned();
    let fp = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(first_key.as_bytes()))
    };
    let (code, said) = run(&["verify", again.to_str().unwrap(), "--key-fingerprint", &fp[..16], "--json"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("\"verified\": true"), "{said}");

    // Unpacked, the bag passes the Library of Congress validator, where it is installed.
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let st =
        Command::new("tar").args(["-xf", out.to_str().unwrap(), "-C", unpacked.to_str().unwrap()]).status();
    assert!(st.unwrap().success());
    let bag = std::fs::read_dir(&unpacked).unwrap().next().unwrap().unwrap().path();
    let (code, said) = run(&["verify", bag.to_str().unwrap(), "--key", keys_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}");
    let bagit = std::env::var("LIUHEN_TEST_BAGIT").unwrap_or_else(|_| "bagit.py".into());
    match Command::new(&bagit).args(["--validate", bag.to_str().unwrap()]).output() {
        Ok(o) => assert!(o.status.success(), "bagit.py: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => assert!(
            std::env::var("LIUHEN_TEST_BAGIT").is_err(),
            "LIUHEN_TEST_BAGIT names {bagit}, which does not run"
        ),
    }

    // The 四性检测 report, as JSON and as a page a person reads.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/checks/four-properties.json")).unwrap())
            .unwrap();
    assert_eq!(report["passed"], true, "{report}");
    // Scanned by ClamAV where it is installed (with the tests' signatures), and said so where not.
    let scan = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item"] == "package" && c["check"] == "antivirus")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(scan.contains("infected") || scan.contains("not installed"), "{scan}");
    let text = Command::new("pdftotext")
        .args([bag.join("data/checks/four-properties.pdf").to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) checks the report page");
    // pdftotext spaces out some CJK runs: compare without whitespace.
    let text: String = String::from_utf8_lossy(&text.stdout).split_whitespace().collect();
    assert!(
        text.contains("电子案卷四性检测报告") && text.contains("真实性") && text.contains(&number),
        "{text}"
    );

    // One byte of an evidence file changed: named, exit 1.
    let evidence = walk_files(&bag.join("data/evidence"));
    let victim = evidence.iter().max_by_key(|p| std::fs::metadata(p).unwrap().len()).unwrap();
    let mut bytes = std::fs::read(victim).unwrap();
    bytes[1000] ^= 1;
    std::fs::write(victim, bytes).unwrap();
    let (code, said) = run(&["verify", bag.to_str().unwrap(), "--key", keys_file.to_str().unwrap()]);
    assert_eq!(code, 1, "{said}");
    let name = victim.file_name().unwrap().to_str().unwrap();
    assert!(said.contains(&format!("FAILED: data/evidence/{name}")), "{said}");
    let (code, said) = run(&["verify", dir.path().join("nothing.tar").to_str().unwrap(), "--key", "x"]);
    assert_eq!(code, 2, "{said}");

    // The scheduled 四性检测: passes, then names an original changed on disk (exit 1).
    let data_dir = data.to_str().unwrap();
    let (code, said) = run(&["archive", "check", "--data", data_dir]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("1 package(s) checked, 0 failed"), "{said}");
    let (code, said) = run(&["archive", "check", "--data", data_dir, "--json"]);
    assert_eq!(code, 0, "{said}");
    let reports: serde_json::Value = serde_json::from_str(&said).unwrap();
    let item = reports[0]["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item"].as_str().unwrap().starts_with("data/evidence/"))
        .unwrap()["item"]
        .as_str()
        .unwrap()
        .to_owned();
    // The original the package copied, by the digest its manifest lists.
    let manifest = std::fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap();
    let sha = manifest
        .lines()
        .find(|l| l.ends_with(&format!("  {item}")))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let original = data.join("blobs/objects/sha256").join(&sha[..2]).join(&sha[2..4]).join(sha);
    let mut perms = std::fs::metadata(&original).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&original, perms).unwrap();
    let mut bytes = std::fs::read(&original).unwrap();
    bytes[1500] ^= 1;
    std::fs::write(&original, bytes).unwrap();
    let (code, said) = run(&["archive", "check", "--data", data_dir]);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("FAILED") && said.contains("1 failed"), "{said}");
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}
