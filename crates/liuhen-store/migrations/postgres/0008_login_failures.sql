-- Failed logins per login name (keyed by the SHA-256 of the normalised name, so
-- unknown names are counted too and nothing tells which names exist), for
-- throttling and lockout across restarts and nodes.
CREATE TABLE login_failures (
    login_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start_ms BIGINT NOT NULL,
    locked_until_ms BIGINT
);
