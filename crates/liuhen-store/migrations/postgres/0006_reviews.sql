-- The proposed decision of a case, and its legal reviews (法制审核). A
-- decision is revised by a new version; an issued decision is final.
CREATE TABLE case_decisions (
    case_id     TEXT PRIMARY KEY REFERENCES cases(id),
    decision    TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    issued_ms   BIGINT,
    issued_by   TEXT REFERENCES users(id)
);

CREATE TABLE reviews (
    id                TEXT PRIMARY KEY,
    case_id           TEXT NOT NULL REFERENCES cases(id),
    decision_version  BIGINT NOT NULL,
    submitted_by      TEXT NOT NULL REFERENCES users(id),
    submitted_ms      BIGINT NOT NULL,
    due_date          TEXT NOT NULL,
    outcome           TEXT,
    checklist         TEXT,
    opinion           TEXT,
    reviewer          TEXT REFERENCES users(id),
    reviewed_ms       BIGINT
);
CREATE INDEX reviews_case ON reviews(case_id, submitted_ms);
