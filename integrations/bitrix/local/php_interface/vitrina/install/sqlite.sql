-- Vitrina outbox for SQLite (the test stand-in). Same columns as mysql.sql.
CREATE TABLE IF NOT EXISTS vitrina_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id CHAR(36) NOT NULL UNIQUE,
  event_type VARCHAR(32) NOT NULL,
  product_id INTEGER NOT NULL,
  occurred_at INTEGER NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lock_token CHAR(32) NULL,
  locked_until INTEGER NULL,
  last_http_status INTEGER NULL,
  last_error TEXT NULL,
  response_action VARCHAR(16) NULL,
  finished_at INTEGER NULL
);
CREATE INDEX IF NOT EXISTS ix_vitrina_outbox_due ON vitrina_outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS ix_vitrina_outbox_product ON vitrina_outbox (product_id, status, id);
