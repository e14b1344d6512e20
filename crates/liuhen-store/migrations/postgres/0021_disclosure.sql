-- 执法公示. A disclosure is made when a decision of a kind the rulebook publishes
-- is issued (one per document); its redacted text is a new text (the document is
-- never changed), proposed, confirmed, published and perhaps withdrawn.
-- masked is a JSON array, labels a JSON object {persons, secrets}; withdrawal a JSON object once made.
-- Dates (decided_on, due_on, offline_after) are 'YYYY-MM-DD' in 北京时间.
CREATE TABLE disclosures (
    id               TEXT PRIMARY KEY,
    agency_id        TEXT NOT NULL REFERENCES org_units(id),
    unit_id          TEXT NOT NULL REFERENCES org_units(id),
    case_id          TEXT NOT NULL REFERENCES cases(id),
    document_id      TEXT NOT NULL UNIQUE REFERENCES documents(id),
    format_name      TEXT NOT NULL,
    number           TEXT,
    case_kind        TEXT NOT NULL,
    decided_on       TEXT NOT NULL,
    due_on           TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('due', 'redacted', 'confirmed', 'published', 'withdrawn')),
    natural_person   BIGINT NOT NULL CHECK (natural_person IN (0, 1)),
    text             TEXT,
    masked           TEXT NOT NULL DEFAULT '[]',
    labels           TEXT NOT NULL DEFAULT '{}',
    prepared_by      TEXT REFERENCES users(id),
    confirmed_by     TEXT REFERENCES users(id),
    published_by     TEXT REFERENCES users(id),
    published_ms     BIGINT,
    published_entry  BIGINT,
    text_sha256      TEXT,
    text_sm3         TEXT,
    offline_after    TEXT,
    withdrawal       TEXT,
    overdue_entry    BIGINT
);
CREATE INDEX disclosures_public ON disclosures (state, published_ms);
CREATE INDEX disclosures_due ON disclosures (agency_id, state, due_on);
CREATE INDEX disclosures_case ON disclosures (case_id);

-- 事前公开: the latest text of each item, the text the public sees, and every version.
CREATE TABLE prior_items (
    id                 TEXT PRIMARY KEY,
    agency_id          TEXT NOT NULL REFERENCES org_units(id),
    kind               TEXT NOT NULL,
    title              TEXT NOT NULL,
    body               TEXT NOT NULL,
    version            BIGINT NOT NULL,
    changed_by         TEXT NOT NULL REFERENCES users(id),
    changed_ms         BIGINT NOT NULL,
    due_on             TEXT NOT NULL,
    published_version  BIGINT,
    published_title    TEXT,
    published_body     TEXT,
    published_ms       BIGINT,
    published_entry    BIGINT,
    overdue_entry      BIGINT
);
CREATE INDEX prior_items_agency ON prior_items (agency_id, kind);
CREATE TABLE prior_item_versions (
    item_id     TEXT NOT NULL REFERENCES prior_items(id),
    version     BIGINT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    changed_by  TEXT NOT NULL REFERENCES users(id),
    changed_ms  BIGINT NOT NULL,
    entry_seq   BIGINT NOT NULL,
    PRIMARY KEY (item_id, version)
);

-- 行政复议 and 行政诉讼 against a case's decision. withdraw_by: when the outcome revokes,
-- changes or finds the decision unlawful, the last day to withdraw the case's publications;
-- overdue_entry: the finding that one was still published after it.
CREATE TABLE remedies (
    id             TEXT PRIMARY KEY,
    agency_id      TEXT NOT NULL REFERENCES org_units(id),
    case_id        TEXT NOT NULL REFERENCES cases(id),
    kind           TEXT NOT NULL CHECK (kind IN ('reconsideration', 'litigation')),
    filed_on       TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    decided_on     TEXT,
    note           TEXT,
    recorded_by    TEXT NOT NULL REFERENCES users(id),
    recorded_ms    BIGINT NOT NULL,
    withdraw_by    TEXT,
    overdue_entry  BIGINT
);
CREATE INDEX remedies_case ON remedies (case_id);
CREATE INDEX remedies_agency ON remedies (agency_id, filed_on);
