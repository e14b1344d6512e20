-- 调阅: requests to read a case outside one's scope (or one touching 个人隐私 /
-- 商业秘密), their approvals, and the time-limited grant they become.
CREATE TABLE access_requests (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES org_units (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    requester TEXT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL,
    days BIGINT NOT NULL,
    external TEXT,
    approvals_needed BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    until_ms BIGINT,
    rejected_by TEXT REFERENCES users (id),
    reject_reason TEXT
);
CREATE INDEX access_requests_grant ON access_requests (requester, case_id, until_ms);
CREATE INDEX access_requests_agency ON access_requests (agency_id, created_ms);
CREATE TABLE access_approvals (
    request_id TEXT NOT NULL REFERENCES access_requests (id),
    approver TEXT NOT NULL REFERENCES users (id),
    ord BIGINT NOT NULL,
    approved_ms BIGINT NOT NULL,
    PRIMARY KEY (request_id, approver)
);
