-- The device register: body cameras (执法记录仪) by 产品序号, unique within
-- their agency; each registration and change is also a ledger entry.
CREATE TABLE devices (
    id             TEXT PRIMARY KEY,
    agency_id      TEXT NOT NULL REFERENCES org_units(id),
    unit_id        TEXT NOT NULL REFERENCES org_units(id),
    serial         TEXT NOT NULL,
    model          TEXT NOT NULL,
    status         TEXT NOT NULL,
    registered_ms  INTEGER NOT NULL,
    UNIQUE (agency_id, serial)
);
-- 领用/归还: who held a device from when to when. At most one open binding
-- (no return yet) per device.
CREATE TABLE device_bindings (
    device_id    TEXT NOT NULL REFERENCES devices(id),
    officer_id   TEXT NOT NULL REFERENCES users(id),
    issued_ms    INTEGER NOT NULL,
    issued_by    TEXT REFERENCES users(id),
    returned_ms  INTEGER,
    returned_by  TEXT REFERENCES users(id),
    PRIMARY KEY (device_id, issued_ms)
);
CREATE UNIQUE INDEX device_bindings_open ON device_bindings(device_id) WHERE returned_ms IS NULL;
-- 校时: each device clock offset a station measured (at docking, or with an
-- upload), by 产品序号 so that an unregistered device's history is kept too.
CREATE TABLE device_clock (
    agency_id       TEXT NOT NULL REFERENCES org_units(id),
    serial          TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    offset_ms       INTEGER NOT NULL,
    measured_ms     INTEGER NOT NULL,
    station_id      TEXT,
    evidence_id     TEXT REFERENCES evidence(id),
    reported_by     TEXT NOT NULL REFERENCES users(id),
    over_threshold  INTEGER NOT NULL CHECK (over_threshold IN (0, 1)),
    PRIMARY KEY (agency_id, serial, seq)
);
-- Docking stations (采集站) by the id they give in uploads, optionally bound
-- to the 采集站 account they upload with.
CREATE TABLE stations (
    id             TEXT PRIMARY KEY,
    agency_id      TEXT NOT NULL REFERENCES org_units(id),
    unit_id        TEXT NOT NULL REFERENCES org_units(id),
    station_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    user_id        TEXT REFERENCES users(id),
    registered_ms  INTEGER NOT NULL,
    UNIQUE (agency_id, station_id)
);
-- 单位编号 of a unit, as its body cameras are configured.
ALTER TABLE org_units ADD COLUMN code TEXT;
-- What the device said of its unit, and where the upload disagreed with the
-- register (JSON list; empty when it agreed).
ALTER TABLE evidence ADD COLUMN unit_code TEXT;
ALTER TABLE evidence ADD COLUMN unit_name TEXT;
ALTER TABLE evidence ADD COLUMN device_flags TEXT;
