-- 办案期限: an approved extension (行政强制法 第25条: once, by a 负责人, with
-- reasons) and a 解除查封扣押 (第28条), which ends the seizure's limit. At most
-- one of each per case: the primary key says so, so a second one is refused
-- even by two approvals racing. Each is also a ledger entry, which commits to
-- its digest, never its text.
CREATE TABLE limit_extensions (
    case_id      TEXT PRIMARY KEY REFERENCES cases(id),
    days         BIGINT NOT NULL CHECK (days > 0),
    reason       TEXT NOT NULL,
    due_before   TEXT NOT NULL,
    due_after    TEXT NOT NULL,
    approved_by  TEXT NOT NULL REFERENCES users(id),
    approved_ms  BIGINT NOT NULL
);
CREATE TABLE seizure_releases (
    case_id      TEXT PRIMARY KEY REFERENCES cases(id),
    reason       TEXT NOT NULL,
    text         TEXT NOT NULL,
    released_by  TEXT NOT NULL REFERENCES users(id),
    released_ms  BIGINT NOT NULL
);
