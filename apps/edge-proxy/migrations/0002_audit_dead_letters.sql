-- Deliveries to the chain that failed after their retries (outcomes of forwarded writes, denials),
-- kept to be listed and redelivered. On Node this table holds them; on Workers the AuditLog Durable
-- Object keeps the same table in its own storage (a failure domain apart from D1), so it stays empty in D1.
CREATE TABLE IF NOT EXISTS audit_dead_letters (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('outcome', 'denial')),
  payload TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  resolved_ms INTEGER,
  resolution TEXT
);
CREATE INDEX IF NOT EXISTS audit_dead_letters_open ON audit_dead_letters (resolved_ms, created_ms);
