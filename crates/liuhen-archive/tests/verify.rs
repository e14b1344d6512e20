//! `verify_package` against packages made here from a real signed log:
//! a sound one verifies, as a folder and as a tar file; every kind of
//! tampering fails and the report names the item.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use liuhen_archive::layout::{self, LedgerIndex};
use liuhen_archive::{Bag, Digests, KeyChoice, Report, verify_package};
use liuhen_domain::{Actor, EntryKind, LedgerEntry};
use liuhen_tlog::{Checkpoint, Hash, Note, Sha256Hasher, SignerKey, TlogProof};

const ORIGIN: &str = "test.liuhen/ledger";
const CASE: &str = "case:0b7d3c2e-5f7a-4c1e-9b7a-2f1d7e6c5a40";
const FILE_NO: &str = "LJSJ-2026-D10-0001";

fn signer() -> SignerKey {
    SignerKey::ed25519_from_seed(ORIGIN, &[7; 32]).unwrap()
}

fn entry(kind: EntryKind, subjects: Vec<String>, n: u8) -> Vec<u8> {
    LedgerEntry::new(
        kind,
        1_780_000_000_000 + i64::from(n),
        Actor::System("cli"),
        None,
        subjects,
        None,
        [n; 16],
    )
    .encode()
    .unwrap()
}

fn signed(size: u64, hashes: &[Hash]) -> (String, Checkpoint) {
    let root = liuhen_tlog::tree_hash::<Sha256Hasher>(size, hashes).unwrap();
    let cp = Checkpoint::new(ORIGIN, size, root);
    let note = Note::sign(&cp.to_note_text().unwrap(), &[&signer()]).unwrap().to_text();
    (note, cp)
}

fn proof(index: u64, size: u64, hashes: &[Hash], entry: &[u8], note: &str) -> Vec<u8> {
    let proof = liuhen_tlog::prove_record::<Sha256Hasher>(size, index, hashes).unwrap();
    TlogProof { extra: Some(entry.to_vec()), index, proof, checkpoint: note.to_owned() }
        .to_text()
        .into_bytes()
}

/// Writes a sound package into `dir`: a document and a clip, the case's
/// ledger entries (and another case's, left out), the archive entry.
fn make(dir: &Path) {
    let pdf = b"%PDF-1.7\n% a decision\n%%EOF\n".to_vec();
    let clip: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let (p, c) = (Digests::of(&pdf), Digests::of(&clip));
    let mut log: Vec<Vec<u8>> = vec![
        entry(EntryKind::CaseCreated, vec![CASE.into()], 1),
        entry(EntryKind::CaseCreated, vec!["case:other".into()], 2),
        entry(
            EntryKind::DocumentIssued,
            vec![
                "document:d1".into(),
                CASE.into(),
                format!("pdf:sha256:{}", hex::encode(p.sha256)),
                format!("pdf:sm3:{}", hex::encode(p.sm3)),
            ],
            3,
        ),
        entry(
            EntryKind::EvidenceIngested,
            vec![
                "evidence:e1".into(),
                CASE.into(),
                format!("file:sha256:{}", hex::encode(c.sha256)),
                format!("file:sm3:{}", hex::encode(c.sm3)),
            ],
            4,
        ),
        entry(EntryKind::CaseRead, vec![CASE.into()], 5),
    ];
    let size1 = log.len() as u64;
    let hashes = liuhen_tlog::build_stored_hashes::<Sha256Hasher>(&log).unwrap();
    let (note1, _) = signed(size1, &hashes);
    let mine: Vec<u64> = vec![0, 2, 3, 4];

    let mut payload: Vec<(String, Vec<u8>)> = vec![
        (layout::CASE.into(), br#"{"number":"LJ-2026-5"}"#.to_vec()),
        (layout::CATALOGUE.into(), br#"{"items":[]}"#.to_vec()),
        ("data/documents/001-决定书.pdf".into(), pdf),
        ("data/documents/001-决定书.json".into(), br#"{"fine":"300000.00"}"#.to_vec()),
        ("data/evidence/002-20261023_092900_CAM01.mp4".into(), clip),
        (layout::CHECKPOINT.into(), note1.clone().into_bytes()),
        (layout::KEYS.into(), format!("{}\n", signer().verifier()).into_bytes()),
        (
            layout::INDEX.into(),
            serde_json::to_vec(&LedgerIndex {
                case: CASE.into(),
                records: vec!["document:d1".into(), "evidence:e1".into()],
                size: size1,
                entries: mine.clone(),
            })
            .unwrap(),
        ),
        (layout::CHECKS.into(), br#"{"passed":true}"#.to_vec()),
    ];
    for i in &mine {
        payload.push((layout::entry_path(*i), proof(*i, size1, &hashes, &log[*i as usize], &note1)));
    }
    for (path, bytes) in &payload {
        write(dir, path, bytes);
    }
    rebag(dir, |bag| {
        // The archive entry names both manifests; appended after another entry.
        log.push(entry(EntryKind::CaseRead, vec!["case:other".into()], 6));
        log.push(entry(
            EntryKind::ArchiveAssembled,
            vec![
                CASE.into(),
                format!("file-no:{FILE_NO}"),
                format!(
                    "manifest:sha256:{}",
                    hex::encode(Digests::of(bag.manifest_sha256().as_bytes()).sha256)
                ),
                format!("manifest:sm3:{}", hex::encode(Digests::of(bag.manifest_sm3().as_bytes()).sm3)),
            ],
            7,
        ));
        let size2 = log.len() as u64;
        let hashes = liuhen_tlog::build_stored_hashes::<Sha256Hasher>(&log).unwrap();
        let (note2, _) = signed(size2, &hashes);
        let archive = proof(size2 - 1, size2, &hashes, &log[(size2 - 1) as usize], &note2);
        let consistency = liuhen_tlog::prove_tree::<Sha256Hasher>(size2, size1, &hashes).unwrap();
        let mut text = format!("{size1} {size2}\n");
        for h in consistency {
            text.push_str(&h.to_base64());
            text.push('\n');
        }
        vec![(layout::ARCHIVE_ENTRY, archive), (layout::CONSISTENCY, text.into_bytes())]
    });
}

fn write(dir: &Path, path: &str, bytes: &[u8]) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Rewrites the bag's tag files from the payload on disk, keeping the
/// `liuhen/` tag files as `extra` makes them (or as they are): what someone
/// who alters the payload would do to hide it from the manifests.
fn rebag(dir: &Path, extra: impl FnOnce(&Bag) -> Vec<(&'static str, Vec<u8>)>) {
    let mut bag = Bag::new();
    let mut paths = Vec::new();
    walk(&dir.join("data"), &mut paths);
    for p in paths {
        let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().replace('\\', "/");
        bag.add(&rel, Digests::of(&std::fs::read(&p).unwrap())).unwrap();
    }
    let extra = extra(&bag);
    let info = [
        ("Source-Organization", "临江市市场监督管理局".to_owned()),
        ("External-Identifier", FILE_NO.to_owned()),
        ("Bagging-Date", "2026-12-03".to_owned()),
    ];
    let extra: Vec<(&str, Vec<u8>)> = extra.iter().map(|(p, b)| (*p, b.clone())).collect();
    for (path, bytes) in bag.tag_files(&info, &extra) {
        write(dir, &path, &bytes);
    }
}

fn keep_tags(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    [layout::ARCHIVE_ENTRY, layout::CONSISTENCY]
        .into_iter()
        .map(|p| (p, std::fs::read(dir.join(p)).unwrap()))
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { walk(&p, out) } else { out.push(p) }
    }
}

fn key() -> KeyChoice {
    KeyChoice::Given(vec![signer().verifier().clone()])
}

fn check(dir: &Path) -> Report {
    verify_package(dir, &key()).unwrap()
}

/// The report fails and names `item` with a problem containing `problem`.
fn fails_naming(r: &Report, item: &str, problem: &str) {
    assert!(!r.verified, "verified despite the change: {r:#?}");
    assert!(
        r.failures.iter().any(|f| f.item == item && f.problem.contains(problem)),
        "no failure of {item} ({problem}): {:#?}",
        r.failures
    );
}

fn fresh() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    make(dir.path());
    dir
}

#[test]
fn a_sound_package_verifies_as_a_folder_and_as_a_tar_file() {
    let dir = fresh();
    let r = check(dir.path());
    assert!(r.verified, "{r:#?}");
    assert!(r.details.iter().any(|d| d.contains(FILE_NO)), "{:?}", r.details);
    assert!(r.details.iter().any(|d| d.contains("4 ledger entries")), "{:?}", r.details);

    // The same bag as a tar file, in a top folder as `tar -C parent -cf … BAG` makes it.
    let tar_path = dir
        .path()
        .parent()
        .unwrap()
        .join(format!("{}.tar", dir.path().file_name().unwrap().to_str().unwrap()));
    let mut b = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
    b.append_dir_all("LJSJ-2026-D10-0001", dir.path()).unwrap();
    b.finish().unwrap();
    drop(b);
    let r = verify_package(&tar_path, &key()).unwrap();
    assert!(r.verified, "{r:#?}");

    // The keys in the package, picked by a fingerprint prefix.
    let line = format!("{}", signer().verifier());
    let fp = layout::key_fingerprint(&line);
    let r = verify_package(dir.path(), &KeyChoice::Fingerprint(fp[..16].to_owned())).unwrap();
    assert!(r.verified, "{r:#?}");
    assert!(verify_package(dir.path(), &KeyChoice::Fingerprint("0123456789abcdef".into())).is_err());
    assert!(verify_package(dir.path(), &KeyChoice::Fingerprint("01234".into())).is_err());

    // One byte of the tar file's clip changed: found without unpacking.
    let mut bytes = std::fs::read(&tar_path).unwrap();
    let at = bytes.windows(4).position(|w| w == [0, 7, 14, 21]).unwrap();
    bytes[at + 1] ^= 1;
    std::fs::write(&tar_path, bytes).unwrap();
    let r = verify_package(&tar_path, &key()).unwrap();
    fails_naming(&r, "data/evidence/002-20261023_092900_CAM01.mp4", "SHA-256");
    std::fs::remove_file(tar_path).unwrap();
}

#[test]
fn a_changed_byte_in_any_file_is_named() {
    for path in [
        "data/evidence/002-20261023_092900_CAM01.mp4",
        "data/documents/001-决定书.pdf",
        "data/documents/001-决定书.json",
        layout::CASE,
        layout::INDEX,
    ] {
        let dir = fresh();
        let p = dir.path().join(path);
        let mut bytes = std::fs::read(&p).unwrap();
        bytes[1] ^= 0x20;
        std::fs::write(&p, bytes).unwrap();
        fails_naming(&check(dir.path()), path, "SHA-256");
        fails_naming(&check(dir.path()), path, "SM3");
    }
    // A tag file.
    let dir = fresh();
    let p = dir.path().join(layout::BAG_INFO);
    let text = std::fs::read_to_string(&p).unwrap().replace("临江市", "临海市");
    std::fs::write(&p, text).unwrap();
    fails_naming(&check(dir.path()), layout::BAG_INFO, "tag manifest");
}

#[test]
fn a_removed_or_added_file_is_named() {
    let dir = fresh();
    std::fs::remove_file(dir.path().join("data/documents/001-决定书.pdf")).unwrap();
    fails_naming(&check(dir.path()), "data/documents/001-决定书.pdf", "not in the package");

    let dir = fresh();
    write(dir.path(), "data/evidence/003-extra.mp4", b"not recorded");
    fails_naming(&check(dir.path()), "data/evidence/003-extra.mp4", "not in manifest-sha256.txt");

    // Added and put in the manifests too: no entry commits to it, and the manifests are not the fixed ones.
    let dir = fresh();
    write(dir.path(), "data/evidence/003-extra.mp4", b"not recorded");
    rebag(dir.path(), |_| keep_tags(dir.path()));
    let r = check(dir.path());
    fails_naming(&r, "data/evidence/003-extra.mp4", "no ledger entry");
    fails_naming(&r, layout::MANIFEST_SHA256, "archive.assembled");
}

#[test]
fn an_altered_proof_checkpoint_or_signature_is_named() {
    // A proof's hash changed (and the manifests made to match).
    let dir = fresh();
    let p = dir.path().join(layout::entry_path(3));
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let i = lines.iter().position(|l| l.len() == 44 && l.ends_with('=')).unwrap();
    lines[i] = Hash([9; 32]).to_base64();
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    rebag(dir.path(), |_| keep_tags(dir.path()));
    fails_naming(&check(dir.path()), &layout::entry_path(3), "inclusion");

    // The checkpoint's tree size changed: its signature no longer holds.
    let dir = fresh();
    let p = dir.path().join(layout::CHECKPOINT);
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[1] = "6".into();
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    rebag(dir.path(), |_| keep_tags(dir.path()));
    fails_naming(&check(dir.path()), layout::CHECKPOINT, "signature");

    // The archive entry's checkpoint signature altered.
    let dir = fresh();
    let p = dir.path().join(layout::ARCHIVE_ENTRY);
    let text = std::fs::read_to_string(&p).unwrap();
    let sig = text.lines().rev().find(|l| l.starts_with("— ")).unwrap().to_owned();
    let (head, b64) = sig.rsplit_once(' ').unwrap();
    let mut raw = base64_decode(b64);
    let last = raw.len() - 1;
    raw[last] ^= 1;
    std::fs::write(&p, text.replace(&sig, &format!("{head} {}", base64_encode(&raw)))).unwrap();
    rebag(dir.path(), |_| keep_tags(dir.path()));
    fails_naming(&check(dir.path()), layout::ARCHIVE_ENTRY, "checkpoint");

    // Another key than the agency's.
    let dir = fresh();
    let other = SignerKey::ed25519_from_seed(ORIGIN, &[8; 32]).unwrap();
    let r = verify_package(dir.path(), &KeyChoice::Given(vec![other.verifier().clone()])).unwrap();
    fails_naming(&r, layout::CHECKPOINT, "signature");
}

#[test]
fn a_dropped_ledger_entry_is_found() {
    // Entry 4 (a read of the case) taken out of the index and the package, the manifests remade.
    let dir = fresh();
    std::fs::remove_file(dir.path().join(layout::entry_path(4))).unwrap();
    let p = dir.path().join(layout::INDEX);
    let mut index: LedgerIndex = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    index.entries.retain(|e| *e != 4);
    std::fs::write(&p, serde_json::to_vec(&index).unwrap()).unwrap();
    rebag(dir.path(), |_| keep_tags(dir.path()));
    let r = check(dir.path());
    fails_naming(&r, layout::MANIFEST_SHA256, "archive.assembled");
    fails_naming(&r, layout::MANIFEST_SM3, "archive.assembled");

    // Only the proof removed: the index still lists it.
    let dir = fresh();
    std::fs::remove_file(dir.path().join(layout::entry_path(4))).unwrap();
    fails_naming(&check(dir.path()), &layout::entry_path(4), "not in the package");

    // A "proof" too large to be one is named, not read into memory.
    let dir = fresh();
    write(dir.path(), &layout::entry_path(4), &vec![b'x'; 300 << 10]);
    rebag(dir.path(), |_| keep_tags(dir.path()));
    fails_naming(&check(dir.path()), &layout::entry_path(4), "too large");

    // Another case's entry slipped in.
    let dir = fresh();
    let text = std::fs::read_to_string(dir.path().join(layout::entry_path(3))).unwrap();
    write(dir.path(), &layout::entry_path(1), text.as_bytes());
    fails_naming(&check(dir.path()), &layout::entry_path(1), "does not list");
}

#[test]
fn what_cannot_run_says_so() {
    let dir = fresh();
    assert!(verify_package(&dir.path().join("nothing"), &key()).is_err());
    assert!(verify_package(&dir.path().join("data"), &key()).is_err(), "not a bag");
    assert!(verify_package(dir.path(), &KeyChoice::Given(vec![])).is_err());
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
