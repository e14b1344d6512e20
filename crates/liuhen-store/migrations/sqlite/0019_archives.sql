-- 电子案卷归档包: one per case, assembled at 归档. The package is made again
-- on each download from what is kept here — the payload's files, each with
-- its digests, either as text (what liuhen wrote for the package) or by the
-- original it copies (a document's PDF, an evidence file) — so it is the
-- same bytes every time, and the ledger entry archive.assembled fixes both
-- payload manifests.
CREATE TABLE archives (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL UNIQUE REFERENCES cases(id),
    agency_id        TEXT NOT NULL REFERENCES org_units(id),
    file_no          TEXT NOT NULL UNIQUE,
    checkpoint_size  INTEGER NOT NULL,
    manifest_sha256  TEXT NOT NULL,
    manifest_sm3     TEXT NOT NULL,
    entry_seq        INTEGER NOT NULL,
    bag_info         TEXT NOT NULL,
    report           TEXT NOT NULL,
    created_by       TEXT NOT NULL REFERENCES users(id),
    created_ms       INTEGER NOT NULL
);
CREATE TABLE archive_files (
    archive_id  TEXT NOT NULL REFERENCES archives(id),
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    sm3         TEXT NOT NULL,
    original    TEXT,
    content     TEXT,
    PRIMARY KEY (archive_id, path),
    CHECK ((original IS NULL) <> (content IS NULL))
);
