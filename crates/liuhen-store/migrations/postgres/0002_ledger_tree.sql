-- The Merkle tree over the ledger entries (RFC 6962, SHA-256), in the
-- stored-hash layout. See the SQLite migration of the same number.
ALTER TABLE ledger_head ADD COLUMN integrated BIGINT NOT NULL DEFAULT 0;

CREATE TABLE ledger_hashes (
    idx   BIGINT PRIMARY KEY,
    hash  BYTEA NOT NULL CHECK (length(hash) = 32)
);

CREATE TABLE ledger_checkpoints (
    size       BIGINT PRIMARY KEY,
    root       BYTEA NOT NULL CHECK (length(root) = 32),
    note       TEXT NOT NULL,
    signed_ms  BIGINT NOT NULL
);

CREATE TRIGGER ledger_hashes_no_update BEFORE UPDATE OR DELETE ON ledger_hashes
FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_hashes_no_truncate BEFORE TRUNCATE ON ledger_hashes
FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE OR DELETE ON ledger_checkpoints
FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();
