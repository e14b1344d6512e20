-- 保管期限, legal holds and destruction (销毁). A package carries the retention
-- class it was numbered in and the last day it is kept (NULL: 永久); packages
-- made before classes existed are kept permanently until re-appraised. A
-- destroyed case file (its package) or AV record keeps its row and digests; its content (the
-- originals, the documents' PDFs and field data, the package's text files)
-- goes, and destroyed_ms says when.
ALTER TABLE archives ADD COLUMN retention_class TEXT NOT NULL DEFAULT 'Y';
ALTER TABLE archives ADD COLUMN retain_until TEXT;
ALTER TABLE archives ADD COLUMN retention_basis TEXT NOT NULL DEFAULT '[]';
ALTER TABLE archives ADD COLUMN destroyed_ms INTEGER;
ALTER TABLE evidence ADD COLUMN destroyed_ms INTEGER;

-- A hold covers a case file (target_kind 'case') or an AV record not filed
-- with a case ('evidence'); while lifted_ms is NULL nothing it covers may be
-- destroyed.
CREATE TABLE holds (
    id           TEXT PRIMARY KEY,
    agency_id    TEXT NOT NULL REFERENCES org_units(id),
    target_kind  TEXT NOT NULL CHECK (target_kind IN ('case', 'evidence')),
    target_id    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    placed_by    TEXT NOT NULL REFERENCES users(id),
    placed_ms    INTEGER NOT NULL,
    lifted_by    TEXT REFERENCES users(id),
    lift_reason  TEXT,
    lifted_ms    INTEGER,
    CHECK ((lifted_ms IS NULL) = (lifted_by IS NULL))
);
CREATE INDEX holds_target ON holds (target_id, lifted_ms);
CREATE INDEX holds_agency ON holds (agency_id, placed_ms);

-- A destruction request, its 销毁清册 (the items, in order) and its approvals.
CREATE TABLE destructions (
    id               TEXT PRIMARY KEY,
    agency_id        TEXT NOT NULL REFERENCES org_units(id),
    reason           TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'done', 'withdrawn')),
    requested_by     TEXT NOT NULL REFERENCES users(id),
    requested_ms     INTEGER NOT NULL,
    withdraw_reason  TEXT,
    done_ms          INTEGER
);
CREATE INDEX destructions_agency ON destructions (agency_id, requested_ms);
CREATE TABLE destruction_items (
    destruction_id  TEXT NOT NULL REFERENCES destructions(id),
    ord             INTEGER NOT NULL,
    target_kind     TEXT NOT NULL CHECK (target_kind IN ('case', 'evidence')),
    target_id       TEXT NOT NULL,
    PRIMARY KEY (destruction_id, target_id)
);
CREATE INDEX destruction_items_target ON destruction_items (target_id);
CREATE TABLE destruction_approvals (
    destruction_id  TEXT NOT NULL REFERENCES destructions(id),
    approver        TEXT NOT NULL REFERENCES users(id),
    ord             INTEGER NOT NULL,
    approved_ms     INTEGER NOT NULL,
    PRIMARY KEY (destruction_id, approver)
);
