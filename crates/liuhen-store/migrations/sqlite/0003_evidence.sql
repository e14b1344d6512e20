-- Evidence: audio-video files and photos, stored once under their SHA-256.
CREATE TABLE evidence (
    id                  TEXT PRIMARY KEY,
    agency_id           TEXT NOT NULL REFERENCES org_units(id),
    -- The unit of the officer whose device recorded it (or of the uploader).
    unit_id             TEXT NOT NULL REFERENCES org_units(id),
    sha256              BLOB NOT NULL CHECK (length(sha256) = 32),
    sm3                 BLOB NOT NULL CHECK (length(sm3) = 32),
    size                INTEGER NOT NULL,
    media_type          TEXT NOT NULL,
    file_name           TEXT NOT NULL,
    device_serial       TEXT,
    officer_id          TEXT REFERENCES users(id),
    station_id          TEXT,
    -- As the device reported it, with its UTC offset; and in UTC milliseconds.
    recorded_start_raw  TEXT,
    recorded_start_ms   INTEGER,
    case_id             TEXT REFERENCES cases(id),
    important           INTEGER NOT NULL DEFAULT 0 CHECK (important IN (0, 1)),
    label               TEXT NOT NULL,
    uploaded_by         TEXT NOT NULL REFERENCES users(id),
    created_ms          INTEGER NOT NULL
);
CREATE INDEX evidence_case ON evidence(case_id);
CREATE INDEX evidence_sha256 ON evidence(sha256);
CREATE INDEX evidence_unit ON evidence(unit_id, created_ms);
