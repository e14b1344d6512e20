-- 记录要素 the officers attest an act's record shows (出示执法证, 场景, 见证人, …).
-- Attestations are only ever added; each is also a ledger entry.
CREATE TABLE act_elements (
    act_id       TEXT NOT NULL REFERENCES acts(id),
    element      TEXT NOT NULL,
    attested_by  TEXT NOT NULL REFERENCES users(id),
    attested_ms  BIGINT NOT NULL,
    PRIMARY KEY (act_id, element)
);
