-- Signed checkpoints of the audit chain (src/audit/checkpoint.ts): one row per checkpoint, written in the
-- same transaction as the entries it covers. `body` is the canonical JSON of {checkpoint, signature};
-- `hash` its hex SHA-256, which the next checkpoint carries as `prevCheckpointHash`.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  n INTEGER PRIMARY KEY,
  to_seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  hash TEXT NOT NULL
);
