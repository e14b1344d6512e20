-- What an API token may do: everything its user may (full), only read (read),
-- or only upload evidence (upload). Sessions are always full.
ALTER TABLE credentials ADD COLUMN scope TEXT NOT NULL DEFAULT 'full'
    CHECK (scope IN ('full', 'read', 'upload'));
