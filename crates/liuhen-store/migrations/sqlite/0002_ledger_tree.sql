-- The Merkle tree over the ledger entries (RFC 6962, SHA-256), in the
-- stored-hash layout: index = the position of a complete subtree's hash in
-- the order the tree produces them. Integration follows sequencing: the
-- entries 0..integrated have their hashes here.
ALTER TABLE ledger_head ADD COLUMN integrated INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ledger_hashes (
    idx   INTEGER PRIMARY KEY,
    hash  BLOB NOT NULL CHECK (length(hash) = 32)
);

-- Signed checkpoints (C2SP signed-note + tlog-checkpoint), one per tree size.
CREATE TABLE ledger_checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB NOT NULL CHECK (length(root) = 32),
    note       TEXT NOT NULL,
    signed_ms  INTEGER NOT NULL
);

CREATE TRIGGER ledger_hashes_no_update BEFORE UPDATE ON ledger_hashes
BEGIN SELECT RAISE(ABORT, 'ledger hashes are append-only'); END;
CREATE TRIGGER ledger_hashes_no_delete BEFORE DELETE ON ledger_hashes
BEGIN SELECT RAISE(ABORT, 'ledger hashes are append-only'); END;
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only'); END;
CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only'); END;
