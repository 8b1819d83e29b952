-- The audit trail of the edge proxy (see src/audit/README.md). Applied by `wrangler d1 migrations apply`
-- on Workers (D1) and by the Node store at start (node:sqlite); both record applied files in `d1_migrations`.

-- The hash chain, the source of truth: one row per entry (a write's intent, its outcome, or a denial).
-- `entry` is the canonical JSON that was hashed; `hash` is its hex SHA-256.
CREATE TABLE IF NOT EXISTS audit_chain (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('intent', 'denial', 'outcome')),
  event_id TEXT NOT NULL,
  entry TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- The query index: one row per event, pointing at its chain entries. Filter columns only; the event
-- itself is read from the chain. `verify` checks every column against the chain.
CREATE TABLE IF NOT EXISTS audit_events (
  event_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('write', 'denial')),
  time_ms INTEGER NOT NULL,
  actor_id TEXT,
  operation_id TEXT NOT NULL,
  organization_id TEXT,
  request_id TEXT NOT NULL,
  status INTEGER,
  error_code TEXT,
  latency_ms INTEGER,
  outcome_seq INTEGER
);
CREATE INDEX IF NOT EXISTS audit_events_organization ON audit_events (organization_id, seq);
CREATE INDEX IF NOT EXISTS audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX IF NOT EXISTS audit_events_operation ON audit_events (operation_id, seq);
CREATE INDEX IF NOT EXISTS audit_events_status ON audit_events (status, seq);
CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (time_ms);
CREATE INDEX IF NOT EXISTS audit_events_request ON audit_events (request_id);

-- The chain head ({"seq","id","hash"} under key 'head'), written with every append: deleting entries
-- from the end of the chain leaves the head pointing at a missing entry.
CREATE TABLE IF NOT EXISTS audit_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
