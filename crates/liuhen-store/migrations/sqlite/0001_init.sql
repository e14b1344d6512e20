-- liuhen metadata schema, SQLite dialect. Times are milliseconds since the
-- Unix epoch (UTC); booleans are 0/1; identifiers are UUID text.

CREATE TABLE org_units (
    id          TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES org_units(id),
    parent_id   TEXT REFERENCES org_units(id),
    -- '/<root id>/<child id>/…/<own id>/': every ancestor, so a subtree is a prefix.
    path        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('agency', 'department')),
    name        TEXT NOT NULL,
    short_name  TEXT,
    uscc        TEXT UNIQUE,
    created_ms  INTEGER NOT NULL
);
CREATE UNIQUE INDEX org_units_sibling_name ON org_units(agency_id, parent_id, name);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    login                TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL,
    unit_id              TEXT NOT NULL REFERENCES org_units(id),
    agency_id            TEXT NOT NULL REFERENCES org_units(id),
    cert_no              TEXT,
    enforcement_category TEXT,
    legal_qualification  INTEGER NOT NULL DEFAULT 0 CHECK (legal_qualification IN (0, 1)),
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    password_hash        TEXT,
    created_ms           INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_cert_no ON users(agency_id, cert_no) WHERE cert_no IS NOT NULL;

-- Login sessions and API tokens. Only the SHA-256 of the secret is kept.
CREATE TABLE credentials (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    kind         TEXT NOT NULL CHECK (kind IN ('session', 'token')),
    name         TEXT,
    secret_hash  BLOB NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER,
    revoked_ms   INTEGER
);
CREATE INDEX credentials_user ON credentials(user_id);

-- Gapless sequence numbers per agency, kind of number and year.
CREATE TABLE counters (
    agency_id  TEXT NOT NULL REFERENCES org_units(id),
    kind       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    value      INTEGER NOT NULL,
    PRIMARY KEY (agency_id, kind, year)
);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES org_units(id),
    unit_id     TEXT NOT NULL REFERENCES org_units(id),
    number      TEXT NOT NULL UNIQUE,
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    cause       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    stage       TEXT NOT NULL,
    label       TEXT NOT NULL,
    summary     TEXT,
    created_by  TEXT NOT NULL REFERENCES users(id),
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    UNIQUE (agency_id, year, seq)
);
CREATE INDEX cases_unit ON cases(unit_id, created_ms);
CREATE INDEX cases_agency ON cases(agency_id, stage, created_ms);

CREATE TABLE case_parties (
    case_id              TEXT NOT NULL REFERENCES cases(id),
    ord                  INTEGER NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('natural_person', 'organisation')),
    name                 TEXT NOT NULL,
    id_kind              TEXT,
    id_number            TEXT NOT NULL,
    phone                TEXT,
    address              TEXT,
    legal_representative TEXT,
    PRIMARY KEY (case_id, ord)
);

CREATE TABLE case_officers (
    case_id  TEXT NOT NULL REFERENCES cases(id),
    user_id  TEXT NOT NULL REFERENCES users(id),
    ord      INTEGER NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_officers_user ON case_officers(user_id);

CREATE TABLE acts (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases(id),
    kind          TEXT NOT NULL,
    starts_ms     INTEGER NOT NULL,
    ends_ms       INTEGER NOT NULL,
    utc_offset_s  INTEGER NOT NULL,
    address       TEXT NOT NULL,
    latitude      REAL,
    longitude     REAL,
    venue         TEXT NOT NULL,
    venue_name    TEXT,
    notes         TEXT,
    created_by    TEXT NOT NULL REFERENCES users(id),
    created_ms    INTEGER NOT NULL,
    CHECK (ends_ms > starts_ms)
);
CREATE INDEX acts_case ON acts(case_id, starts_ms);

CREATE TABLE act_officers (
    act_id   TEXT NOT NULL REFERENCES acts(id),
    user_id  TEXT NOT NULL REFERENCES users(id),
    ord      INTEGER NOT NULL,
    PRIMARY KEY (act_id, user_id)
);

CREATE TABLE act_parties (
    act_id     TEXT NOT NULL REFERENCES acts(id),
    party_ord  INTEGER NOT NULL,
    PRIMARY KEY (act_id, party_ord)
);

-- The ledger: one row per entry, numbered from 0 without gaps. The head row
-- is the sequencer; taking it serialises writers.
CREATE TABLE ledger_head (
    id        INTEGER PRIMARY KEY CHECK (id = 0),
    next_seq  INTEGER NOT NULL
);
INSERT INTO ledger_head (id, next_seq) VALUES (0, 0);

CREATE TABLE ledger_entries (
    seq         INTEGER PRIMARY KEY,
    body        BLOB NOT NULL,
    created_ms  INTEGER NOT NULL
);

-- Invariant 2: the ledger is never changed in place.
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
