-- Enforcement documents (执法文书). A draft's fields change; an issued row is
-- never updated again except to record its service. Corrections are new rows.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES org_units (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    format_code TEXT NOT NULL,
    format_name TEXT NOT NULL,
    status TEXT NOT NULL,
    corrects TEXT REFERENCES documents (id),
    fields TEXT NOT NULL,
    number TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    issued_by TEXT REFERENCES users (id),
    issued_ms BIGINT,
    digests TEXT,
    served_ms BIGINT,
    served_by_act TEXT REFERENCES acts (id),
    served_by_document TEXT REFERENCES documents (id)
);
CREATE UNIQUE INDEX documents_number ON documents (agency_id, number) WHERE number IS NOT NULL;
CREATE INDEX documents_case ON documents (case_id, created_ms);
