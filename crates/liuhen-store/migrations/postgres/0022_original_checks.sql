-- The last full check of each original in the local folder that found it
-- to be what its name says (its SHA-256), and the file's stat identity then:
-- device, inode, size, mtime and ctime in nanoseconds. A package download
-- streams an original whose file still has that identity without hashing it
-- again: any write to the file since would have changed its ctime.
CREATE TABLE original_checks (
    sha256      TEXT PRIMARY KEY,
    dev         BIGINT NOT NULL,
    ino         BIGINT NOT NULL,
    size        BIGINT NOT NULL,
    mtime_ns    BIGINT NOT NULL,
    ctime_ns    BIGINT NOT NULL,
    checked_ms  BIGINT NOT NULL
);
