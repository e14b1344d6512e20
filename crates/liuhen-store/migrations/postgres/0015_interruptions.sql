-- 中止说明: why an act's recording stopped for a while, as the officers
-- account for it. Only ever added (a correction is another one); each is
-- also a ledger entry, which commits to its digest, never its text.
CREATE TABLE interruptions (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases(id),
    act_id        TEXT NOT NULL REFERENCES acts(id),
    reason        TEXT NOT NULL,
    from_ms       BIGINT NOT NULL,
    to_ms         BIGINT NOT NULL,
    utc_offset_s  BIGINT NOT NULL,
    text          TEXT NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users(id),
    recorded_ms   BIGINT NOT NULL,
    CHECK (to_ms > from_ms)
);
CREATE INDEX interruptions_case ON interruptions(case_id, from_ms);
