-- Device clocks drift: the offset the docking station measured (device
-- clock minus true time) corrects the recorded start; the media duration
-- gives the clip's end. Links tie clips to the acts they record; every
-- change of a link is also a ledger entry, which keeps the history.
ALTER TABLE evidence ADD COLUMN clock_offset_ms BIGINT;
ALTER TABLE evidence ADD COLUMN duration_ms BIGINT;

CREATE TABLE evidence_links (
    evidence_id  TEXT NOT NULL REFERENCES evidence(id),
    act_id       TEXT NOT NULL REFERENCES acts(id),
    how          TEXT NOT NULL CHECK (how IN ('auto', 'manual')),
    reason       TEXT,
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (evidence_id, act_id)
);
CREATE INDEX evidence_links_act ON evidence_links(act_id);
CREATE INDEX acts_window ON acts(starts_ms, ends_ms);
