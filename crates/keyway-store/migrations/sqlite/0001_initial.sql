-- Keyway schema v1 (SQLite). Times are Unix milliseconds; booleans are 0/1.
-- Secrets are `v1:` AES-256-GCM sealed text, never plaintext.

CREATE TABLE providers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    vendor TEXT NOT NULL,
    protocol TEXT NOT NULL,
    base_url TEXT NOT NULL,
    auth_style TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    connect_timeout_ms INTEGER NOT NULL,
    first_byte_timeout_ms INTEGER NOT NULL,
    idle_timeout_ms INTEGER NOT NULL,
    managed_by_config INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The provider's pool of upstream keys, in order.
CREATE TABLE provider_keys (
    provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sealed_key TEXT NOT NULL,
    PRIMARY KEY (provider_id, position)
);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    managed_by_config INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE routes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    mode TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    bridge INTEGER NOT NULL,
    generation_path TEXT,
    managed_by_config INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (group_id, alias)
);

CREATE TABLE route_candidates (
    route_id INTEGER NOT NULL REFERENCES routes(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE RESTRICT,
    model TEXT NOT NULL,
    priority INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (route_id, position)
);
CREATE INDEX route_candidates_provider ON route_candidates (provider_id);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    digest BLOB NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    sealed_key TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    managed_by_config INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX api_keys_group ON api_keys (group_id);

CREATE TABLE admin_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- No foreign keys: logs outlive the keys, groups and providers they name.
CREATE TABLE request_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    key_id INTEGER,
    group_id INTEGER,
    alias TEXT,
    provider TEXT,
    upstream_model TEXT,
    client_protocol TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    stream INTEGER NOT NULL,
    status INTEGER NOT NULL,
    upstream_status INTEGER,
    upstream_error TEXT,
    error TEXT,
    latency_ms INTEGER NOT NULL,
    ttfb_ms INTEGER,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_creation_tokens INTEGER,
    client_disconnected INTEGER NOT NULL
);
CREATE INDEX request_logs_ts ON request_logs (ts);
CREATE INDEX request_logs_group_ts ON request_logs (group_id, ts);
CREATE INDEX request_logs_key_ts ON request_logs (key_id, ts);
CREATE INDEX request_logs_alias_ts ON request_logs (alias, ts);
CREATE INDEX request_logs_status_ts ON request_logs (status, ts);
CREATE INDEX request_logs_request_id ON request_logs (request_id);

CREATE TABLE generation_jobs (
    id TEXT PRIMARY KEY,
    group_id INTEGER NOT NULL,
    key_id INTEGER,
    alias TEXT NOT NULL,
    provider_id INTEGER NOT NULL,
    upstream_model TEXT NOT NULL,
    modality TEXT NOT NULL,
    status TEXT NOT NULL,
    upstream_task_id TEXT,
    request TEXT NOT NULL,
    outputs TEXT NOT NULL,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    next_poll_at INTEGER,
    deadline_at INTEGER
);
CREATE INDEX generation_jobs_group_created ON generation_jobs (group_id, created_at);
CREATE INDEX generation_jobs_status ON generation_jobs (status);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
