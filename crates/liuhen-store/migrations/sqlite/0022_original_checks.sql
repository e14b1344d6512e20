-- The last full check of each original in the local folder that found it
-- to be what its name says (its SHA-256), and the file's stat identity then:
-- device, inode, size, mtime and ctime in nanoseconds. A package download
-- streams an original whose file still has that identity without hashing it
-- again: any write to the file since would have changed its ctime.
CREATE TABLE original_checks (
    sha256      TEXT PRIMARY KEY,
    dev         INTEGER NOT NULL,
    ino         INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    ctime_ns    INTEGER NOT NULL,
    checked_ms  INTEGER NOT NULL
);
