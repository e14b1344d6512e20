-- Every move of a case between stages, with the leader's reasons: what the
-- case page's timeline shows. Only ever added; each is also a ledger entry
-- (stage.changed or findings.overridden), which commits to the same words.
CREATE TABLE case_stage_moves (
    case_id          TEXT NOT NULL REFERENCES cases(id),
    from_stage       TEXT NOT NULL,
    to_stage         TEXT NOT NULL,
    moved_by         TEXT NOT NULL REFERENCES users(id),
    moved_ms         INTEGER NOT NULL,
    reason           TEXT,
    override_reason  TEXT,
    overridden       TEXT NOT NULL,
    PRIMARY KEY (case_id, to_stage)
);
