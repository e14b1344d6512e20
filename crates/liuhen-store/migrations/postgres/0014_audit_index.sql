-- The audit index: which ledger entries name a record (role 's', a subject)
-- or were made by an actor (role 'a'). Built from the log itself, after the
-- fact and in order, up to `next_seq`; the log stays the only truth.
CREATE TABLE audit_index (
    key  TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('s', 'a')),
    seq  BIGINT NOT NULL,
    PRIMARY KEY (key, role, seq)
);
CREATE TABLE audit_index_state (
    id       INTEGER PRIMARY KEY CHECK (id = 0),
    next_seq BIGINT NOT NULL
);
INSERT INTO audit_index_state (id, next_seq) VALUES (0, 0);
